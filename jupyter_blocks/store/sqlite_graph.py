"""The queries of the SQLite index behind unlinked references and the notebook graph:
blocks whose words hold a name (candidates, under a time budget), notebooks, and the
links between them counted by notebook."""

from __future__ import annotations

import json
import sqlite3

from ..links.searchtext import query_text
from .records import Block, LinkCount, NotebookEdge, NotebookNode
from .sqlite_schema import chunks, deadline
from .sqlite_search import MAX_QUERY_TERMS, _words


def blocks_mentioning(
    con: sqlite3.Connection, text: str, exclude_path: str, limit: int, budget_ms: int
) -> tuple[list[Block], bool]:
    """Markdown blocks outside ``exclude_path`` holding every word of ``text``. The
    full-text index finds them (every word quoted: FTS syntax in a title is only text);
    for an ASCII name, its longest word must also be in the source (the index also
    matches words of a block's path). A common word matches many blocks: rows stream in
    rowid order and the budget stops the scan, as search does past its budget."""
    words = _words(query_text(text))[:MAX_QUERY_TERMS]
    if not words:
        return [], True
    match = " ".join(f'"{word}"' for word in words)
    longest = max(words, key=len).lower()
    sql = (
        "SELECT b.id, b.path, b.idx, b.cell_type, b.source, b.label"
        " FROM blocks_fts JOIN blocks b ON b.rowid = blocks_fts.rowid"
        " WHERE blocks_fts MATCH ? AND b.cell_type = 'markdown' AND b.path != ?"
    )
    params: list[object] = [match, exclude_path]
    if longest.isascii():
        sql += " AND instr(lower(b.source), ?) > 0"
        params.append(longest)
    params.append(limit + 1)
    found: list[Block] = []
    complete = False
    try:
        with deadline(con, budget_ms):
            for bid, path, idx, cell_type, source, label in con.execute(sql + " LIMIT ?", params):
                found.append(Block(bid, path, idx, cell_type, source, False, label))
        complete = True
    except sqlite3.OperationalError as error:
        if "interrupted" not in str(error):
            raise
    if len(found) > limit:
        return found[:limit], False
    return found, complete


def notebook_title(con: sqlite3.Connection, path: str) -> str | None:
    row = con.execute(
        "SELECT title FROM files WHERE path = ? AND skipped IS NULL", (path,)
    ).fetchone()
    return None if row is None else str(row[0])


def notebook_nodes(con: sqlite3.Connection) -> list[NotebookNode]:
    rows = con.execute(
        "SELECT f.path, f.title, coalesce(c.n, 0) FROM files f LEFT JOIN"
        " (SELECT path, count(*) AS n FROM blocks GROUP BY path) c ON c.path = f.path"
        " WHERE f.skipped IS NULL ORDER BY f.path"
    )
    return [NotebookNode(path, title, blocks) for path, title, blocks in rows]


def notebook_edges(con: sqlite3.Connection) -> list[NotebookEdge]:
    """References and embeds counted by the notebooks of their two blocks (a target
    resolved as an id first, else a label, the block seen first: two index lookups per
    link), and ``[[path]]`` links counted by source notebook and target as kept."""
    refs = con.execute(
        "SELECT b.path, t.path, l.kind, count(*) FROM links l"
        " JOIN blocks b ON b.rowid = l.block"
        " JOIN blocks t ON t.rowid = coalesce("
        "   (SELECT x.rowid FROM blocks x WHERE x.id = l.target"
        "    ORDER BY x.first_seen LIMIT 1),"
        "   (SELECT x.rowid FROM blocks x WHERE x.label = l.target"
        "    ORDER BY x.first_seen LIMIT 1))"
        " WHERE l.kind IN ('ref', 'embed') GROUP BY b.path, t.path, l.kind"
    ).fetchall()
    notebooks = con.execute(
        "SELECT b.path, l.target, 'notebook', count(*) FROM links l"
        " JOIN blocks b ON b.rowid = l.block WHERE l.kind = 'notebook'"
        " GROUP BY b.path, l.target"
    ).fetchall()
    return [NotebookEdge(*row) for row in refs + notebooks]


# -- what the kept graph (notebook_graph.py) reads for the notebooks a change names -----


def _where_path(paths: list[str] | None, column: str) -> list[tuple[str, list[str]]]:
    """SQL conditions on ``column`` for ``paths`` in chunks (one, always true, for None)."""
    if paths is None:
        return [("1", [])]
    return [(f"{column} IN ({','.join('?' * len(c))})", c) for c in chunks(paths)]


def graph_nodes(con: sqlite3.Connection, paths: list[str] | None) -> list[NotebookNode]:
    found: list[NotebookNode] = []
    for where, params in _where_path(paths, "f.path"):
        rows = con.execute(
            "SELECT f.path, f.title, (SELECT count(*) FROM blocks b WHERE b.path = f.path)"  # noqa: S608
            f" FROM files f WHERE f.skipped IS NULL AND {where}",
            params,
        )
        found.extend(NotebookNode(path, title, blocks) for path, title, blocks in rows)
    return found


def graph_links(con: sqlite3.Connection, paths: list[str] | None) -> list[LinkCount]:
    found: list[LinkCount] = []
    for where, params in _where_path(paths, "b.path"):
        rows = con.execute(
            "SELECT b.path, l.kind, l.target, count(*) FROM links l"  # noqa: S608
            f" JOIN blocks b ON b.rowid = l.block WHERE {where}"
            " GROUP BY b.path, l.kind, l.target",
            params,
        )
        found.extend(LinkCount(*row) for row in rows)
    return found


def block_homes(con: sqlite3.Connection, targets: list[str]) -> dict[str, str]:
    """The notebook of the block each target resolves to, as ``notebook_edges`` does."""
    homes: dict[str, str] = {}
    for chunk in chunks(targets):
        rows = con.execute(
            "SELECT j.value, coalesce("
            "  (SELECT x.path FROM blocks x WHERE x.id = j.value ORDER BY x.first_seen LIMIT 1),"
            "  (SELECT x.path FROM blocks x WHERE x.label = j.value"
            "   ORDER BY x.first_seen LIMIT 1)) FROM json_each(?) j",
            (json.dumps(chunk),),
        )
        homes.update((target, path) for target, path in rows if path is not None)
    return homes


def block_names(con: sqlite3.Connection, paths: list[str], ids: list[str]) -> set[str]:
    names: set[str] = set()
    for where, params in _where_path(paths, "path"):
        for bid, label in con.execute(
            f"SELECT id, label FROM blocks WHERE {where}",  # noqa: S608
            params,
        ):
            names.update(n for n in (bid, label) if n is not None)
    for chunk in chunks(ids):
        rows = con.execute(
            "SELECT label FROM blocks WHERE label IS NOT NULL"
            " AND id IN (SELECT value FROM json_each(?))",
            (json.dumps(chunk),),
        )
        names.update(label for (label,) in rows)
    return names
