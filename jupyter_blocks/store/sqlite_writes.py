"""Writing notebooks into the SQLite index: a notebook's new cells applied as a diff,
deleted blocks kept as tombstones. Functions of a connection inside a write
transaction (``SQLiteStore._write``)."""

from __future__ import annotations

import json
import sqlite3
import time
from collections.abc import Container

from .records import BlockRow, LoggedChange, NotebookRow, path_key
from .sqlite_schema import chunks, insert_many

KEEP_CHANGES = 256  # entries of the change log kept for other servers to read
MAX_LOGGED = 500  # paths or ids per logged change; past it, the change says truncated


def indexed(con: sqlite3.Connection, paths: list[str]) -> set[str]:
    """Which of these paths the index holds blocks for."""
    found: set[str] = set()
    for chunk in chunks(paths):
        marks = ",".join("?" * len(chunk))
        found.update(
            path
            for (path,) in con.execute(
                f"SELECT path FROM files WHERE skipped IS NULL AND path IN ({marks})",  # noqa: S608
                chunk,
            )
        )
    return found


def diff_notebook(
    con: sqlite3.Connection, nb: NotebookRow, added: list[tuple[str, BlockRow]]
) -> list[str]:
    """Apply a notebook's new cells as a diff, so that an edit to one cell touches one
    row (and keeps the first-seen order of every id). New cells go to ``added``."""
    old: dict[tuple[str, object], tuple[int, int, str, str, str | None, tuple[object, ...]]] = {}
    for rowid, idx, bid, ctype, source, *extra in con.execute(
        "SELECT rowid, idx, id, cell_type, source, label, title, words, name FROM blocks"
        " WHERE path = ?",
        (nb.path,),
    ):
        old[block_key(old, bid, idx)] = (rowid, idx, ctype, source, bid, tuple(extra))
    changed: list[str] = []
    new_keys: dict[tuple[str, object], None] = {}
    for block in nb.blocks:
        key = block_key(new_keys, block.id, block.index)
        new_keys[key] = None
        previous = old.pop(key, None)
        if previous is None:
            added.append((nb.path, block))
            if block.id:
                changed.append(block.id)
            continue
        rowid, idx, ctype, source, _, extra = previous
        derived = (block.label, block.title, block.words, block.name)
        if (idx, ctype, source, extra) == (block.index, block.cell_type, block.source, derived):
            continue
        con.execute(
            "UPDATE blocks SET idx = ?, cell_type = ?, source = ?, label = ?, title = ?,"
            " words = ?, name = ? WHERE rowid = ?",
            (block.index, block.cell_type, block.source, *derived, rowid),
        )
        if source != block.source:
            con.execute("DELETE FROM links WHERE block = ?", (rowid,))
            insert_links(con, [(rowid, block)])
        if block.id:
            changed.append(block.id)
    for rowid, _idx, _ctype, _source, bid, _extra in old.values():
        bury(con, rowid)
        if bid:
            changed.append(bid)
    return changed


def insert_blocks(
    con: sqlite3.Connection, blocks: list[tuple[str, BlockRow]], next_seen: int
) -> int:
    """Insert new blocks (their links and text too); returns the next first-seen
    number (each id seen for the first time takes one, in order)."""
    if not blocks:
        return next_seen
    # A block coming back (undo, git revert, a move seen as delete + create) takes
    # its old place in the first-seen order, and its tombstone goes.
    revived: dict[str, int] = {}
    if con.execute("SELECT 1 FROM tombstones LIMIT 1").fetchone():
        for chunk in chunks([b.id for _, b in blocks if b.id]):
            marks = ",".join("?" * len(chunk))
            revived.update(
                con.execute(
                    f"DELETE FROM tombstones WHERE id IN ({marks}) RETURNING id, first_seen",  # noqa: S608
                    chunk,
                ).fetchall()
            )
    rows = []
    for path, block in blocks:
        # Only the first copy of an id takes its old place back; later ones are new.
        first_seen = revived.pop(block.id, None) if block.id else None
        if first_seen is None:
            first_seen = next_seen
            next_seen += 1
        rows.append(
            (
                path,
                block.index,
                block.id,
                block.label,
                block.cell_type,
                block.source,
                block.title,
                block.words,
                block.name,
                first_seen,
            )
        )
    insert_many(
        con,
        "blocks (path, idx, id, label, cell_type, source, title, words, name, first_seen)",
        rows,
    )
    # One writer inside one transaction: the new rows took consecutive rowids.
    last = con.execute("SELECT last_insert_rowid()").fetchone()[0]
    first = last - len(blocks) + 1
    insert_links(con, [(first + i, block) for i, (_, block) in enumerate(blocks)])
    index_text(con, first, last)
    return next_seen


def index_text(con: sqlite3.Connection, first: int, last: int) -> None:
    """Add new rows to the full-text index, all in one statement."""
    con.execute(
        "INSERT INTO blocks_fts (rowid, title, words, path)"
        " SELECT rowid, name, coalesce(words, source), path FROM blocks"
        " WHERE rowid BETWEEN ? AND ?",
        (first, last),
    )


def insert_links(con: sqlite3.Connection, blocks: list[tuple[int, BlockRow]]) -> None:
    links = [
        (rowid, link.kind, link.target, link.facet)
        for rowid, block in blocks
        for link in block.links
    ]
    insert_many(con, "links (block, kind, target, facet)", links)


def bury(con: sqlite3.Connection, rowid: int) -> None:
    """Delete a block row, leaving a tombstone for its id."""
    con.execute(
        "INSERT OR REPLACE INTO tombstones"
        " (id, label, path, idx, cell_type, source, first_seen, deleted_at)"
        " SELECT id, label, path, idx, cell_type, source, first_seen, ? FROM blocks"
        " WHERE rowid = ? AND id IS NOT NULL",
        (time.time(), rowid),
    )
    con.execute("DELETE FROM blocks WHERE rowid = ?", (rowid,))


def remove_blocks_of(con: sqlite3.Connection, path: str) -> list[str]:
    rows = con.execute("SELECT rowid, id FROM blocks WHERE path = ?", (path,)).fetchall()
    for rowid, _ in rows:
        bury(con, rowid)
    return [bid for _, bid in rows if bid]


def put_files(con: sqlite3.Connection, notebooks: list[NotebookRow]) -> None:
    """Record the state, title and problems of indexed notebooks; a notebook seen for
    the first time also gets when and by which scan (kept when it is indexed again)."""
    now = time.time()
    for start in range(0, len(notebooks), 500):
        chunk = notebooks[start : start + 500]
        con.execute(
            "INSERT INTO files (path, key, mtime_ns, size, skipped, title, problems,"  # noqa: S608
            " first_indexed, scan) VALUES "
            + ",".join(["(?, ?, ?, ?, NULL, ?, ?, ?, ?)"] * len(chunk))
            + " ON CONFLICT (path) DO UPDATE SET key = excluded.key,"
            " mtime_ns = excluded.mtime_ns, size = excluded.size, skipped = NULL,"
            " title = excluded.title, problems = excluded.problems",
            [
                value
                for nb in chunk
                for value in (
                    nb.path,
                    path_key(nb.path),
                    nb.mtime_ns,
                    nb.size,
                    nb.title,
                    json.dumps(nb.problems) if nb.problems else None,
                    now,
                    nb.scan,
                )
            ],
        )


def block_key(
    taken: Container[tuple[str, object]], block_id: str | None, index: int
) -> tuple[str, object]:
    """How a cell is matched across two versions of its notebook: by id, or by position
    when it has none (or repeats an id already seen in this notebook)."""
    if block_id and ("id", block_id) not in taken:
        return ("id", block_id)
    return ("idx", index)


def log_change(con: sqlite3.Connection, origin: str, paths: list[str], ids: list[str]) -> None:
    """Record a write for the other servers on this file (inside its transaction),
    keeping the last KEEP_CHANGES entries."""
    if not paths and not ids:
        return
    truncated = len(paths) > MAX_LOGGED or len(ids) > MAX_LOGGED
    seq = con.execute(
        "INSERT INTO changes (origin, paths, ids, truncated) VALUES (?, ?, ?, ?)",
        (
            origin,
            json.dumps(sorted(set(paths))[:MAX_LOGGED]),
            json.dumps(sorted(set(ids))[:MAX_LOGGED]),
            int(truncated),
        ),
    ).lastrowid
    if seq is not None and seq % 32 == 0:
        con.execute("DELETE FROM changes WHERE seq <= ?", (seq - KEEP_CHANGES,))


def read_changes(
    con: sqlite3.Connection, cursor: int, origin: str
) -> tuple[int, list[LoggedChange]]:
    """What servers other than ``origin`` logged after ``cursor``, and the new cursor;
    a change marked truncated first when entries after ``cursor`` were already pruned."""
    rows = con.execute(
        "SELECT seq, origin, paths, ids, truncated FROM changes WHERE seq > ? ORDER BY seq",
        (cursor,),
    ).fetchall()
    if not rows:
        return cursor, []
    found: list[LoggedChange] = []
    if rows[0][0] > cursor + 1 and cursor > 0:
        found.append(LoggedChange([], [], truncated=True))
    for _seq, by, paths, ids, truncated in rows:
        if by != origin:
            found.append(LoggedChange(json.loads(paths), json.loads(ids), bool(truncated)))
    return rows[-1][0], found
