"""The queries of the SQLite index behind unlinked references and the notebook graph:
blocks whose words hold a name (candidates, under a time budget), notebooks, and the
links between them counted by notebook."""

from __future__ import annotations

import sqlite3

from ..searchtext import query_text
from .base import Block, NotebookEdge, NotebookNode
from .sqlite_schema import deadline
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
