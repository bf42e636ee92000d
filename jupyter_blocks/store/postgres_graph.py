"""The queries of the PostgreSQL index behind unlinked references and the notebook
graph (the same contract as ``sqlite_graph.py``): blocks whose words hold a name,
notebooks, and the links between them counted by notebook."""

from __future__ import annotations

from typing import Any

from psycopg import errors

from .postgres_reads import Reads
from .postgres_schema import sql
from .postgres_search import _within, tsquery
from .records import Block, LinkCount, NotebookEdge, NotebookNode


def blocks_mentioning(
    reads: Reads, text: str, exclude_path: str, limit: int, budget_ms: int
) -> tuple[list[Block], bool]:
    """Markdown blocks outside ``exclude_path`` holding every word of ``text`` (whole
    words: a trailing space keeps the last one from being a prefix), within the budget
    (the statement is cancelled past it, and what was found is not complete)."""
    match = tsquery(text + " ")
    if not match:
        return [], True
    query = sql(
        reads.schema,
        "SELECT id, path, idx, cell_type, source, label FROM {s}.blocks"
        " WHERE terms @@ %s::tsquery AND cell_type = 'markdown' AND path <> %s LIMIT %s",
    )
    try:
        with reads.connect() as con:
            rows = _within(con, budget_ms, query, (match, exclude_path, limit + 1))
    except errors.QueryCanceled:
        return [], False
    found = [
        Block(bid, path, idx, ct, source, False, label)
        for bid, path, idx, ct, source, label in rows
    ]
    if len(found) > limit:
        return found[:limit], False
    return found, True


def notebook_title(reads: Reads, path: str) -> str | None:
    rows = reads.rows("SELECT title FROM {s}.files WHERE path = %s AND skipped IS NULL", (path,))
    return None if not rows else str(rows[0][0])


def notebook_nodes(reads: Reads) -> list[NotebookNode]:
    rows = reads.rows(
        "SELECT f.path, f.title, coalesce(c.n, 0) FROM {s}.files f LEFT JOIN"
        " (SELECT path, count(*) AS n FROM {s}.blocks GROUP BY path) c ON c.path = f.path"
        " WHERE f.skipped IS NULL ORDER BY f.path"
    )
    return [NotebookNode(path, title, int(blocks)) for path, title, blocks in rows]


def notebook_edges(reads: Reads) -> list[NotebookEdge]:
    """References and embeds by the notebooks of their two blocks (a target resolved as
    an id first, else a label, the block seen first), and ``[[path]]`` links by source
    notebook and target as kept."""
    refs: list[Any] = reads.rows(
        "SELECT b.path, t.path, l.kind, count(*) FROM {s}.links l"
        " JOIN {s}.blocks b ON b.key = l.block"
        " JOIN {s}.blocks t ON t.key = coalesce("
        "   (SELECT x.key FROM {s}.blocks x WHERE x.id = l.target"
        "    ORDER BY x.first_seen LIMIT 1),"
        "   (SELECT x.key FROM {s}.blocks x WHERE x.label = l.target"
        "    ORDER BY x.first_seen LIMIT 1))"
        " WHERE l.kind IN ('ref', 'embed') GROUP BY b.path, t.path, l.kind"
    )
    notebooks: list[Any] = reads.rows(
        "SELECT b.path, l.target, 'notebook', count(*) FROM {s}.links l"
        " JOIN {s}.blocks b ON b.key = l.block WHERE l.kind = 'notebook'"
        " GROUP BY b.path, l.target"
    )
    return [
        NotebookEdge(source, target, kind, int(count))
        for source, target, kind, count in refs + notebooks
    ]


# -- what the kept graph (notebook_graph.py) reads for the notebooks a change names -----


def graph_nodes(reads: Reads, paths: list[str] | None) -> list[NotebookNode]:
    rows = reads.rows(
        "SELECT f.path, f.title, (SELECT count(*) FROM {s}.blocks b WHERE b.path = f.path)"
        " FROM {s}.files f WHERE f.skipped IS NULL"
        " AND (%(all)s OR f.path = ANY(%(paths)s))",
        {"all": paths is None, "paths": paths or []},
    )
    return [NotebookNode(path, title, int(blocks)) for path, title, blocks in rows]


def graph_links(reads: Reads, paths: list[str] | None) -> list[LinkCount]:
    rows: list[Any] = reads.rows(
        "SELECT b.path, l.kind, l.target, count(*) FROM {s}.links l"
        " JOIN {s}.blocks b ON b.key = l.block WHERE %(all)s OR b.path = ANY(%(paths)s)"
        " GROUP BY b.path, l.kind, l.target",
        {"all": paths is None, "paths": paths or []},
    )
    return [LinkCount(path, kind, target, int(count)) for path, kind, target, count in rows]


def block_homes(reads: Reads, targets: list[str]) -> dict[str, str]:
    """The notebook of the block each target resolves to, as ``notebook_edges`` does."""
    rows: list[Any] = reads.rows(
        "SELECT t, coalesce("
        "  (SELECT x.path FROM {s}.blocks x WHERE x.id = t ORDER BY x.first_seen LIMIT 1),"
        "  (SELECT x.path FROM {s}.blocks x WHERE x.label = t ORDER BY x.first_seen LIMIT 1))"
        " FROM unnest(%s::text[]) AS t",
        (targets,),
    )
    return {target: path for target, path in rows if path is not None}


def block_names(reads: Reads, paths: list[str], ids: list[str]) -> set[str]:
    rows: list[Any] = reads.rows(
        "SELECT id, label FROM {s}.blocks WHERE path = ANY(%s)"
        " UNION ALL SELECT NULL, label FROM {s}.blocks WHERE id = ANY(%s)",
        (paths, ids),
    )
    return {name for row in rows for name in row if name is not None}
