"""The longer queries of the SQLite index (for ``jupyter blocks check``, duplicates and
resolving ids), as functions of a reader connection."""

from __future__ import annotations

import contextlib
import sqlite3

from .base import Backlink, Block, Duplicate
from .sqlite_schema import chunks

BLOCK_COLUMNS = "id, path, idx, cell_type, source"


def get_blocks(con: sqlite3.Connection, ids: list[str]) -> dict[str, Block]:
    """The block each id resolves to, else its tombstone (see BlockStore.get_blocks)."""
    found: dict[str, Block] = {}
    # One snapshot for both tables: a block coming back moves from tombstones to
    # blocks in one commit, and must be seen in one or the other.
    con.execute("BEGIN")
    try:
        for chunk in chunks(list(dict.fromkeys(ids))):
            marks = ",".join("?" * len(chunk))
            for row in con.execute(
                f"SELECT {BLOCK_COLUMNS} FROM blocks WHERE id IN ({marks})"  # noqa: S608
                " ORDER BY first_seen DESC",
                chunk,
            ):
                found[row[0]] = Block(*row)  # lowest first_seen written last: it wins
            missing = [i for i in chunk if i not in found]
            if missing:
                marks = ",".join("?" * len(missing))
                for row in con.execute(
                    f"SELECT {BLOCK_COLUMNS} FROM tombstones WHERE id IN ({marks})",  # noqa: S608
                    missing,
                ):
                    found[row[0]] = Block(row[0], row[1], row[2], row[3], row[4], deleted=True)
    except BaseException:
        with contextlib.suppress(sqlite3.Error):
            con.execute("ROLLBACK")
        raise
    con.execute("COMMIT")
    return found


def duplicates(con: sqlite3.Connection, limit: int) -> list[Duplicate]:
    """Notebooks holding ids first seen in another (copies), by original."""
    rows = con.execute(
        "SELECT path, original, count(*) FROM ("
        "  SELECT path,"
        "    first_value(path) OVER (PARTITION BY id ORDER BY first_seen) AS original,"
        "    row_number() OVER (PARTITION BY id ORDER BY first_seen) AS rank"
        "  FROM blocks WHERE id IN ("
        "    SELECT id FROM blocks WHERE id IS NOT NULL GROUP BY id HAVING count(*) > 1))"
        " WHERE rank > 1 GROUP BY path, original ORDER BY path, original LIMIT ?",
        (limit,),
    )
    return [Duplicate(*row) for row in rows]


def unresolved_links(con: sqlite3.Connection) -> list[tuple[Backlink, str, bool]]:
    rows = con.execute(
        "SELECT b.id, b.path, b.idx, l.kind, b.source, l.target,"
        "  EXISTS (SELECT 1 FROM tombstones t WHERE t.id = l.target)"
        " FROM links l JOIN blocks b ON b.rowid = l.block"
        " WHERE l.kind IN ('ref', 'embed')"
        "   AND NOT EXISTS (SELECT 1 FROM blocks x WHERE x.id = l.target)"
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


def embed_edges(con: sqlite3.Connection) -> list[tuple[str, str]]:
    rows = con.execute(
        "SELECT DISTINCT b.id, l.target FROM links l JOIN blocks b ON b.rowid = l.block"
        " WHERE l.kind = 'embed' AND b.id IS NOT NULL"
        "   AND NOT EXISTS (SELECT 1 FROM blocks e"
        "                   WHERE e.id = b.id AND e.first_seen < b.first_seen)"
    )
    return [(row[0], row[1]) for row in rows]
