"""The queries of the SQLite index that follow references: resolving ids and labels,
backlinks, duplicates and what ``jupyter blocks check`` looks at, as functions of a
reader connection.

A target written in ``((...))`` is an id, or else a label (an id wins on a clash: a
label is looked up only for targets no block has as id). A repeated id or label resolves
to the block seen first (lowest first-seen), which for copies is the judged original.
"""

from __future__ import annotations

import contextlib
import json
import sqlite3

from .records import Backlink, Block, Duplicate, LabelHolder, path_key
from .sqlite_schema import chunks, like_escape

BLOCK_COLUMNS = "id, path, idx, cell_type, source, label"


def _block(row: tuple[object, ...], deleted: bool = False) -> Block:
    bid, path, idx, cell_type, source, label = row
    return Block(bid, path, idx, cell_type, source, deleted, label)  # type: ignore[arg-type]


def get_blocks(con: sqlite3.Connection, targets: list[str]) -> dict[str, Block]:
    """The block each target (id, else label) resolves to, else its tombstone."""
    found: dict[str, Block] = {}
    # One snapshot for both tables: a block coming back moves from tombstones to
    # blocks in one commit, and must be seen in one or the other.
    con.execute("BEGIN")
    try:
        for chunk in chunks(list(dict.fromkeys(targets))):
            _lookup(con, chunk, "blocks", "id", found, False)
            _lookup(con, [t for t in chunk if t not in found], "blocks", "label", found, False)
            _lookup(con, [t for t in chunk if t not in found], "tombstones", "id", found, True)
            _lookup(con, [t for t in chunk if t not in found], "tombstones", "label", found, True)
    except BaseException:
        with contextlib.suppress(sqlite3.Error):
            con.execute("ROLLBACK")
        raise
    con.execute("COMMIT")
    return found


def _lookup(
    con: sqlite3.Connection,
    targets: list[str],
    table: str,
    column: str,
    found: dict[str, Block],
    deleted: bool,
) -> None:
    if not targets:
        return
    marks = ",".join("?" * len(targets))
    rows = con.execute(
        f"SELECT {column}, {BLOCK_COLUMNS} FROM {table} WHERE {column} IN ({marks})"  # noqa: S608
        " ORDER BY first_seen DESC",
        targets,
    )
    for row in rows:
        found[row[0]] = _block(row[1:], deleted)  # lowest first_seen written last: it wins


def _targets_of(con: sqlite3.Connection, block_id: str) -> list[str]:
    """What references to a block may say: its id, and its label when the label
    resolves to it."""
    row = con.execute(
        "SELECT label FROM blocks WHERE id = ? ORDER BY first_seen LIMIT 1", (block_id,)
    ).fetchone()
    targets = [block_id]
    if row and row[0]:
        label = row[0]
        owner = get_blocks(con, [label]).get(label)
        if owner is not None and owner.id == block_id:
            targets.append(label)
    return targets


def backlinks(con: sqlite3.Connection, block_id: str) -> list[Backlink]:
    targets = _targets_of(con, block_id)
    marks = ",".join("?" * len(targets))
    rows = con.execute(
        "SELECT DISTINCT b.id, b.path, b.idx, l.kind, b.source"  # noqa: S608
        " FROM links l JOIN blocks b ON b.rowid = l.block"
        f" WHERE l.target IN ({marks}) AND l.kind IN ('ref', 'embed')"
        " ORDER BY b.path, b.idx, l.kind",
        targets,
    )
    return [Backlink(*row) for row in rows]


# The ids and labels of a notebook's blocks that resolve to them (not to an earlier
# original, nor, for a label, to an earlier holder or to a block with that id).
_OWN = (
    "own AS (SELECT o.id AS target, o.id AS id FROM blocks o"
    "   WHERE o.path = ? AND o.id IS NOT NULL"
    "   AND NOT EXISTS (SELECT 1 FROM blocks e"
    "                   WHERE e.id = o.id AND e.first_seen < o.first_seen)"
    " UNION SELECT o.label, o.id FROM blocks o WHERE o.path = ? AND o.label IS NOT NULL"
    "   AND NOT EXISTS (SELECT 1 FROM blocks e WHERE e.id = o.label)"
    "   AND NOT EXISTS (SELECT 1 FROM blocks e"
    "                   WHERE e.label = o.label AND e.first_seen < o.first_seen))"
)


def notebook_backlinks(
    con: sqlite3.Connection, path: str, link_targets: list[str]
) -> list[Backlink]:
    marks = ",".join("?" * len(link_targets)) or "NULL"
    rows = con.execute(
        f"WITH {_OWN}"  # noqa: S608
        " SELECT DISTINCT b.id, b.path, b.idx, l.kind, b.source"
        " FROM links l JOIN blocks b ON b.rowid = l.block"
        " WHERE (l.kind IN ('ref', 'embed') AND l.target IN (SELECT target FROM own))"
        f"    OR (l.kind = 'notebook' AND l.target IN ({marks}))"
        " ORDER BY b.path, b.idx, l.kind",
        (path, path, *link_targets),
    )
    return [Backlink(*row) for row in rows]


def links_to(
    con: sqlite3.Connection, targets: list[str], kinds: tuple[str, ...], prefix: str | None
) -> list[Backlink]:
    kind_marks = ",".join("?" * len(kinds))
    target_marks = ",".join("?" * len(targets)) or "NULL"
    # A prefix is a range of the links_by_target index.
    under = " OR (l.target >= ? AND l.target < ?)" if prefix else ""
    rows = con.execute(
        "SELECT DISTINCT b.id, b.path, b.idx, l.kind, b.source"  # noqa: S608
        " FROM links l JOIN blocks b ON b.rowid = l.block"
        f" WHERE l.kind IN ({kind_marks}) AND (l.target IN ({target_marks}){under})"
        " ORDER BY b.path, b.idx, l.kind",
        (*kinds, *targets, *((prefix, prefix + "\U0010ffff") if prefix else ())),
    )
    return [Backlink(*row) for row in rows]


def notebook_targets(con: sqlite3.Connection, path: str) -> list[str]:
    return [t for (t,) in con.execute(f"WITH {_OWN} SELECT DISTINCT target FROM own", (path, path))]  # noqa: S608


def backlink_counts(con: sqlite3.Connection, path: str) -> dict[str, int]:
    """For each block (by id) of ``path`` that is referenced, by id or label: how many
    blocks reference or embed it."""
    rows = con.execute(
        f"WITH {_OWN}"  # noqa: S608 (constants only)
        " SELECT o.id, count(DISTINCT l.block) FROM links l"
        " JOIN own o ON o.target = l.target"
        " WHERE l.kind IN ('ref', 'embed') AND o.id IS NOT NULL GROUP BY o.id",
        (path, path),
    )
    return {target: count for target, count in rows}


def duplicates(con: sqlite3.Connection, limit: int) -> list[Duplicate]:
    """Notebooks holding ids first seen in another (copies), by original, with the
    verdict on which is the copy and why."""
    rows = con.execute(
        "SELECT d.path, d.original, d.n, coalesce(c.reason, CASE WHEN d.path = d.original"
        "  THEN 'these ids are repeated by cells of this notebook' ELSE '' END),"
        " coalesce(c.conclusive, 1)"
        " FROM (SELECT path, original, count(*) AS n FROM ("
        "  SELECT path,"
        "    first_value(path) OVER (PARTITION BY id ORDER BY first_seen) AS original,"
        "    row_number() OVER (PARTITION BY id ORDER BY first_seen) AS rank"
        "  FROM blocks WHERE id IN ("
        "    SELECT id FROM blocks WHERE id IS NOT NULL GROUP BY id HAVING count(*) > 1))"
        " WHERE rank > 1 GROUP BY path, original) d"
        " LEFT JOIN copies c ON c.path = d.path AND c.original = d.original"
        " ORDER BY d.path, d.original LIMIT ?",
        (limit,),
    )
    return [Duplicate(p, o, n, reason, bool(conclusive)) for p, o, n, reason, conclusive in rows]


def labelled(con: sqlite3.Connection, label: str, limit: int) -> list[Block]:
    rows = con.execute(
        f"SELECT {BLOCK_COLUMNS} FROM blocks WHERE label = ?"  # noqa: S608 (a constant)
        " ORDER BY first_seen, path, idx LIMIT ?",
        (label, limit),
    )
    return [_block(row) for row in rows]


def label_clashes(con: sqlite3.Connection, limit: int) -> list[LabelHolder]:
    """Blocks declaring a label another block declares too, and labels that are another
    block's id (the id wins), in order."""
    rows = con.execute(
        "SELECT label, id, path, idx, 'label' FROM blocks WHERE label IN ("
        "   SELECT label FROM blocks WHERE label IS NOT NULL GROUP BY label HAVING count(*) > 1)"
        " UNION ALL SELECT b.label, b.id, b.path, b.idx, 'id' FROM blocks b"
        " WHERE b.label IS NOT NULL AND EXISTS (SELECT 1 FROM blocks e WHERE e.id = b.label)"
        " ORDER BY 1, 3, 4 LIMIT ?",
        (limit,),
    )
    return [LabelHolder(*row) for row in rows]


def unresolved_links(con: sqlite3.Connection) -> list[tuple[Backlink, str, bool]]:
    rows = con.execute(
        "SELECT b.id, b.path, b.idx, l.kind, b.source, l.target,"
        "  EXISTS (SELECT 1 FROM tombstones t WHERE t.id = l.target OR t.label = l.target)"
        " FROM links l JOIN blocks b ON b.rowid = l.block"
        " WHERE l.kind IN ('ref', 'embed')"
        "   AND NOT EXISTS (SELECT 1 FROM blocks x WHERE x.id = l.target)"
        "   AND NOT EXISTS (SELECT 1 FROM blocks x WHERE x.label = l.target)"
        " ORDER BY b.path, b.idx"
    )
    return [(Backlink(*row[:5]), row[5], bool(row[6])) for row in rows]


def notebook_links(con: sqlite3.Connection) -> list[tuple[Backlink, str]]:
    rows = con.execute(
        "SELECT b.id, b.path, b.idx, l.kind, b.source, l.target"
        " FROM links l JOIN blocks b ON b.rowid = l.block WHERE l.kind = 'notebook'"
        " ORDER BY b.path, b.idx"
    )
    return [(Backlink(*row[:5]), row[5]) for row in rows]


def patched_embeds(con: sqlite3.Connection) -> list[tuple[Backlink, str, str]]:
    """Embeds written with a ``with {...}`` patch: ``(block, target, facet)``."""
    rows = con.execute(
        "SELECT b.id, b.path, b.idx, l.kind, b.source, l.target, l.facet"
        " FROM links l JOIN blocks b ON b.rowid = l.block"
        " WHERE l.kind = 'embed' AND l.facet LIKE '% with %'"
        " ORDER BY b.path, b.idx"
    )
    return [(Backlink(*row[:5]), row[5], row[6]) for row in rows]


def embed_edges(con: sqlite3.Connection) -> list[tuple[str, str]]:
    """``(embedding block id, embedded id)``, a label target resolved to its block's id."""
    rows = con.execute(
        "SELECT DISTINCT b.id, coalesce((SELECT x.id FROM blocks x WHERE x.id = l.target"
        "     LIMIT 1), (SELECT x.id FROM blocks x WHERE x.label = l.target"
        "     ORDER BY x.first_seen LIMIT 1), l.target)"
        " FROM links l JOIN blocks b ON b.rowid = l.block"
        " WHERE l.kind = 'embed' AND b.id IS NOT NULL"
        "   AND NOT EXISTS (SELECT 1 FROM blocks e"
        "                   WHERE e.id = b.id AND e.first_seen < b.first_seen)"
    )
    return [(row[0], row[1]) for row in rows]


def ids_resolving_elsewhere(con: sqlite3.Connection, path: str) -> set[str]:
    rows = con.execute(
        "SELECT DISTINCT b.id FROM blocks b WHERE b.path = ? AND b.id IS NOT NULL"
        " AND EXISTS (SELECT 1 FROM blocks e WHERE e.id = b.id AND e.path != b.path"
        "             AND e.first_seen < b.first_seen)",
        (path,),
    )
    return {row[0] for row in rows}


def notebook_paths_named(con: sqlite3.Connection, name: str) -> list[str]:
    """Indexed notebooks whose file name is ``name`` (compared in NFC)."""
    key = path_key(name)
    return [
        path
        for (path,) in con.execute(
            "SELECT path FROM files WHERE skipped IS NULL AND (key = ? OR key LIKE ? ESCAPE '\\')",
            (key, "%/" + like_escape(key)),
        )
    ]


def real_path(con: sqlite3.Connection, path: str) -> str | None:
    """The indexed notebook a path names, compared in NFC (its real name on disk)."""
    row = con.execute(
        "SELECT path FROM files WHERE key = ? ORDER BY path = ? DESC LIMIT 1",
        (path_key(path), path),
    ).fetchone()
    return row[0] if row else None


def problems(con: sqlite3.Connection) -> list[tuple[str, str]]:
    """``(path, what)`` of what indexed notebooks could not hold in full."""
    found: list[tuple[str, str]] = []
    for path, text in con.execute(
        "SELECT path, problems FROM files WHERE problems IS NOT NULL ORDER BY path"
    ):
        found.extend((path, what) for what in json.loads(text))
    return found
