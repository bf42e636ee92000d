"""Writing notebooks into the PostgreSQL index: the plans of ``diff`` applied inside one
write transaction (``Tx``), new rows loaded with COPY, deleted blocks kept as tombstones,
and every write logged and announced (NOTIFY) to the other servers of the space."""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from typing import Any

import psycopg

from .diff import (
    KEEP_CHANGES,
    StoredBlock,
    derived,
    diff_notebook,
    first_seen_order,
    log_entry,
    read_log,
)
from .postgres_schema import sql
from .postgres_search import vector, vectors_of
from .records import BlockRow, LoggedChange, NotebookRow, path_key

BLOCK_COLUMNS = (
    "key, path, idx, id, label, cell_type, source, title, name, words, first_seen, terms,"
    " name_terms"
)
FILES_AT_ONCE = 1000  # notebooks in one statement (7 parameters each; PostgreSQL's limit: 65,535)
_FILE_VALUES = "(%s, %s, %s, %s, NULL, %s, %s, extract(epoch FROM transaction_timestamp()), %s)"


@dataclass
class Tx:
    """One write transaction: the writer row is locked, so the counters are this
    writer's until it commits."""

    con: psycopg.Connection[Any]
    schema: str
    next_seen: int
    next_key: int

    def sql(self, text: str) -> str:
        return sql(self.schema, text)

    def run(self, text: str, params: Any = None) -> psycopg.Cursor[Any]:
        return self.con.execute(self.sql(text), params)


def text(value: str) -> str:
    """A string as PostgreSQL's text type holds it: NUL, which a notebook may hold
    (JSON allows ``\\u0000``) and PostgreSQL cannot, becomes U+FFFD."""
    return value.replace("\x00", "\ufffd") if "\x00" in value else value


def put_notebooks(tx: Tx, notebooks: list[NotebookRow]) -> list[str]:
    """Replace the blocks of each notebook by its new cells, as a diff; returns the ids
    whose block changed."""
    stored: dict[str, list[StoredBlock]] = {nb.path: [] for nb in notebooks}
    rows = tx.run(
        "SELECT key, path, idx, id, cell_type, source, label, title, words, name"
        " FROM {s}.blocks WHERE path = ANY(%s)",
        (list(stored),),
    )
    for key, path, idx, block_id, cell_type, source, *extra in rows:
        stored[path].append(StoredBlock(key, idx, block_id, cell_type, source, tuple(extra)))
    changed: list[str] = []
    added: list[tuple[str, BlockRow]] = []
    updates: list[tuple[int, str, BlockRow, bool]] = []
    removed: list[int] = []
    for nb in notebooks:
        diff = diff_notebook(stored[nb.path], nb.blocks)
        updates.extend((key, nb.path, block, redo) for key, block, redo in diff.updates)
        added.extend((nb.path, block) for block in diff.added)
        removed.extend(row.key for row in diff.removed)
        changed.extend(diff.changed)
    bury(tx, removed)
    update_blocks(tx, updates)
    insert_blocks(tx, added)
    put_files(tx, notebooks)
    return changed


def put_files(tx: Tx, notebooks: list[NotebookRow]) -> None:
    """Record the state, title and problems of indexed notebooks; a notebook seen for
    the first time also gets when (by the database's clock: one clock for every server
    of the space) and by which scan (kept when it is indexed again). One statement for
    up to FILES_AT_ONCE notebooks (a batch of a scan: one round trip, not 64)."""
    latest = list({text(nb.path): nb for nb in notebooks}.values())  # a path once a statement
    for start in range(0, len(latest), FILES_AT_ONCE):
        part = latest[start : start + FILES_AT_ONCE]
        tx.run(
            "INSERT INTO {s}.files (path, key, mtime_ns, size, skipped, title, problems,"  # noqa: S608 (constants and %s only)
            " first_indexed, scan) VALUES "
            + ", ".join([_FILE_VALUES] * len(part))
            + " ON CONFLICT (path) DO UPDATE SET key = excluded.key,"
            " mtime_ns = excluded.mtime_ns, size = excluded.size, skipped = NULL,"
            " title = excluded.title, problems = excluded.problems",
            [
                value
                for nb in part
                for value in (
                    text(nb.path),
                    text(path_key(nb.path)),
                    nb.mtime_ns,
                    nb.size,
                    text(nb.title),
                    text(json.dumps(nb.problems)) if nb.problems else None,
                    nb.scan,
                )
            ],
        )


def _derived(block: BlockRow) -> tuple[str | None, str, str | None, str]:
    label, title, words, name = derived(block)
    return (
        text(label) if isinstance(label, str) else None,
        text(str(title)),
        text(words) if isinstance(words, str) else None,
        text(str(name)),
    )


def update_blocks(tx: Tx, updates: list[tuple[int, str, BlockRow, bool]]) -> None:
    """Blocks that moved or changed: their words are redone, and their links when
    their source changed."""
    if not updates:
        return
    with tx.con.cursor() as cur:
        cur.executemany(
            tx.sql(
                "UPDATE {s}.blocks SET idx = %s, cell_type = %s, source = %s, label = %s,"
                " title = %s, words = %s, name = %s, terms = %s::tsvector,"
                " name_terms = %s::tsvector WHERE key = %s"
            ),
            [
                (
                    block.index,
                    block.cell_type,
                    text(block.source),
                    *_derived(block),
                    *vectors_of(block, path),
                    key,
                )
                for key, path, block, _redo in updates
            ],
        )
    relinked = [(key, block) for key, _, block, redo in updates if redo]
    if relinked:
        tx.run("DELETE FROM {s}.links WHERE block = ANY(%s)", ([key for key, _ in relinked],))
        insert_links(tx, relinked)


def insert_blocks(tx: Tx, blocks: list[tuple[str, BlockRow]]) -> None:
    """New blocks, their words and links, loaded with COPY. A block coming back takes
    its old first-seen place, and its tombstone goes."""
    if not blocks:
        return
    ids = [block.id for _, block in blocks if block.id]
    revived: dict[str, int] = {}
    # Most batches of a scan meet no tombstone at all: the lookup of thousands of ids
    # (9 ms a batch) only when there is one (a cheap look, under the writer's lock).
    if ids and tx.run("SELECT EXISTS (SELECT 1 FROM {s}.tombstones)").fetchone() == (True,):
        revived = dict(
            tx.run(
                "DELETE FROM {s}.tombstones WHERE id = ANY(%s) RETURNING id, first_seen", (ids,)
            ).fetchall()
        )
    numbers, tx.next_seen = first_seen_order(blocks, revived, tx.next_seen)
    first_key = tx.next_key
    tx.next_key += len(blocks)
    with (
        tx.con.cursor() as cur,
        cur.copy(tx.sql(f"COPY {{s}}.blocks ({BLOCK_COLUMNS}) FROM STDIN")) as copy,
    ):
        for n, ((path, block), first_seen) in enumerate(zip(blocks, numbers, strict=True)):
            label, title, words, name = _derived(block)
            copy.write_row(
                (
                    first_key + n,
                    text(path),
                    block.index,
                    block.id,
                    label,
                    block.cell_type,
                    text(block.source),
                    title,
                    name,
                    words,
                    first_seen,
                    *vectors_of(block, path),
                )
            )
    insert_links(tx, [(first_key + n, block) for n, (_, block) in enumerate(blocks)])


def insert_links(tx: Tx, blocks: list[tuple[int, BlockRow]]) -> None:
    links = [
        (key, link.kind, text(link.target), link.facet and text(link.facet))
        for key, block in blocks
        for link in block.links
    ]
    if not links:
        return
    with (
        tx.con.cursor() as cur,
        cur.copy(tx.sql("COPY {s}.links (block, kind, target, facet) FROM STDIN")) as copy,
    ):
        for row in links:
            copy.write_row(row)


def bury(tx: Tx, keys: list[int]) -> None:
    """Delete block rows, leaving a tombstone for each id (the original's, when an id
    is held twice)."""
    if not keys:
        return
    tx.run(
        "INSERT INTO {s}.tombstones"
        " (id, label, path, idx, cell_type, source, first_seen, deleted_at)"
        " SELECT DISTINCT ON (id) id, label, path, idx, cell_type, source, first_seen, %s"
        " FROM {s}.blocks WHERE key = ANY(%s) AND id IS NOT NULL ORDER BY id, first_seen"
        " ON CONFLICT (id) DO UPDATE SET label = excluded.label, path = excluded.path,"
        " idx = excluded.idx,"
        " cell_type = excluded.cell_type, source = excluded.source,"
        " first_seen = excluded.first_seen, deleted_at = excluded.deleted_at",
        (time.time(), keys),
    )
    tx.run("DELETE FROM {s}.links WHERE block = ANY(%s)", (keys,))
    tx.run("DELETE FROM {s}.blocks WHERE key = ANY(%s)", (keys,))


def remove_blocks_of(tx: Tx, paths: list[str]) -> list[str]:
    """Bury every block of these notebooks; returns their ids."""
    rows = tx.run("SELECT key, id FROM {s}.blocks WHERE path = ANY(%s)", (paths,)).fetchall()
    bury(tx, [key for key, _ in rows])
    return [block_id for _, block_id in rows if block_id]


def rename(tx: Tx, moves: list[tuple[str, str]]) -> None:
    """Move notebooks in the index; whatever it held at a destination is replaced."""
    gone = [dst for _, dst in moves]
    remove_blocks_of(tx, gone)
    tx.run("DELETE FROM {s}.files WHERE path = ANY(%s)", (gone,))
    forget_copies(tx, gone)
    for src, dst in moves:
        for key, source, name in tx.run(
            "SELECT key, source, name FROM {s}.blocks WHERE path = %s", (src,)
        ).fetchall():
            tx.run(
                "UPDATE {s}.blocks SET path = %s, terms = %s::tsvector WHERE key = %s",
                (dst, vector(source, dst, name), key),
            )
        tx.run(
            "UPDATE {s}.files SET path = %s, key = %s WHERE path = %s", (dst, path_key(dst), src)
        )
        tx.run("UPDATE {s}.copies SET path = %s WHERE path = %s", (dst, src))
        tx.run("UPDATE {s}.copies SET original = %s WHERE original = %s", (dst, src))


def forget_copies(tx: Tx, paths: list[str]) -> None:
    """Notebooks gone from the index: their verdicts go with them."""
    tx.run("DELETE FROM {s}.copies WHERE path = ANY(%s) OR original = ANY(%s)", (paths, paths))


def log_change(tx: Tx, origin: str, paths: list[str], ids: list[str]) -> None:
    """Record a write for the other servers (inside its transaction: the writer lock
    makes sequence numbers follow commits), keep the last KEEP_CHANGES entries, and
    wake the other servers when it commits."""
    entry = log_entry(paths, ids)
    if entry is None:
        return
    # The entry and the wake-up in one round trip (the notification leaves at commit).
    row = tx.run(
        "WITH logged AS (INSERT INTO {s}.changes (seq, origin, paths, ids, truncated)"
        " SELECT coalesce(max(seq), 0) + 1, %s, %s, %s, %s FROM {s}.changes RETURNING seq)"
        " SELECT seq, pg_notify(%s, %s) FROM logged",
        (origin, text(entry[0]), text(entry[1]), entry[2], tx.schema, origin),
    ).fetchone()
    seq = int(row[0]) if row else 0
    if seq % 32 == 0:
        tx.run("DELETE FROM {s}.changes WHERE seq <= %s", (seq - KEEP_CHANGES,))
        tx.run("UPDATE {s}.writer SET pruned_through = %s", (seq - KEEP_CHANGES,))


def read_changes(
    con: psycopg.Connection[Any], schema: str, cursor: int, origin: str
) -> tuple[int, list[LoggedChange]]:
    """What servers other than ``origin`` logged after ``cursor``, and the new cursor."""
    with con.transaction():  # one snapshot for the log and what was pruned of it
        rows = con.execute(
            sql(
                schema,
                "SELECT seq, origin, paths, ids, truncated FROM {s}.changes WHERE seq > %s"
                " ORDER BY seq",
            ),
            (cursor,),
        ).fetchall()
        pruned = con.execute(sql(schema, "SELECT pruned_through FROM {s}.writer")).fetchone()
    if not rows:
        return cursor, []
    missed = cursor > 0 and pruned is not None and int(pruned[0]) > cursor
    return int(rows[-1][0]), read_log(rows, origin, missed)
