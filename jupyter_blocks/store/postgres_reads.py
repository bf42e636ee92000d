"""The reads of the PostgreSQL index, each one statement (one snapshot) on a pooled
reader connection. The same questions as ``sqlite.py`` and ``sqlite_reads.py`` ask,
in the SQL the two engines share where they can."""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from typing import Any

import psycopg

from .base import Backlink, Block, Counts, Duplicate, FileState
from .postgres_schema import sql

Connect = Callable[[], contextlib.AbstractContextManager[psycopg.Connection[Any]]]


class Reads:
    def __init__(self, schema: str, connect: Connect) -> None:
        self.schema = schema
        self.connect = connect

    def rows(self, text: str, params: Any = None) -> list[tuple[Any, ...]]:
        with self.connect() as con:
            return con.execute(sql(self.schema, text), params).fetchall()

    def file_states(self) -> dict[str, FileState]:
        rows = self.rows("SELECT path, mtime_ns, size FROM {s}.files")
        return {path: FileState(mtime_ns, size) for path, mtime_ns, size in rows}

    def file_state(self, path: str) -> FileState | None:
        rows = self.rows("SELECT mtime_ns, size FROM {s}.files WHERE path = %s", (path,))
        return FileState(*rows[0]) if rows else None

    def paths_under(self, path: str) -> list[str]:
        prefix = path.rstrip("/") + "/"
        rows = self.rows(
            "SELECT path FROM {s}.files WHERE path = %s OR left(path, %s) = %s",
            (path, len(prefix), prefix),
        )
        return [row[0] for row in rows]

    def get_blocks(self, ids: list[str]) -> dict[str, Block]:
        """The block each id resolves to (the lowest first-seen), else its tombstone:
        one statement, so a block coming back is seen in one table or the other."""
        ids = list(dict.fromkeys(ids))
        if not ids:
            return {}
        rows = self.rows(
            "WITH live AS (SELECT DISTINCT ON (id) id, path, idx, cell_type, source"
            "   FROM {s}.blocks WHERE id = ANY(%s) ORDER BY id, first_seen)"
            " SELECT id, path, idx, cell_type, source, false FROM live"
            " UNION ALL SELECT id, path, idx, cell_type, source, true FROM {s}.tombstones"
            " WHERE id = ANY(%s) AND id NOT IN (SELECT id FROM live)",
            (ids, ids),
        )
        return {
            row[0]: Block(row[0], row[1], row[2], row[3], row[4], deleted=bool(row[5]))
            for row in rows
        }

    def backlinks(self, block_id: str) -> list[Backlink]:
        rows = self.rows(
            "SELECT DISTINCT b.id, b.path, b.idx, l.kind, b.source"
            " FROM {s}.links l JOIN {s}.blocks b ON b.key = l.block"
            " WHERE l.target = %s AND l.kind IN ('ref', 'embed')"
            " ORDER BY b.path, b.idx, l.kind",
            (block_id,),
        )
        return [Backlink(*row) for row in rows]

    def notebook_backlinks(self, path: str, link_targets: list[str]) -> list[Backlink]:
        rows = self.rows(
            # ids of this notebook that resolve here (not to an earlier original)
            "WITH own AS (SELECT o.id FROM {s}.blocks o WHERE o.path = %s"
            "   AND o.id IS NOT NULL AND NOT EXISTS (SELECT 1 FROM {s}.blocks e"
            "   WHERE e.id = o.id AND e.first_seen < o.first_seen))"
            " SELECT DISTINCT b.id, b.path, b.idx, l.kind, b.source"
            " FROM {s}.links l JOIN {s}.blocks b ON b.key = l.block"
            " WHERE (l.kind IN ('ref', 'embed') AND l.target IN (SELECT id FROM own))"
            "    OR (l.kind = 'notebook' AND l.target = ANY(%s))"
            " ORDER BY b.path, b.idx, l.kind",
            (path, link_targets),
        )
        return [Backlink(*row) for row in rows]

    def backlink_counts(self, path: str) -> dict[str, int]:
        rows = self.rows(
            "SELECT l.target, count(DISTINCT l.block) FROM {s}.links l"
            " WHERE l.kind IN ('ref', 'embed') AND l.target IN"
            "   (SELECT id FROM {s}.blocks WHERE path = %s AND id IS NOT NULL)"
            " GROUP BY l.target",
            (path,),
        )
        return {target: int(count) for target, count in rows}

    def counts(self) -> Counts:
        rows = self.rows(
            "SELECT (SELECT count(*) FROM {s}.files WHERE skipped IS NULL),"
            " (SELECT count(*) FROM {s}.blocks), (SELECT count(*) FROM {s}.links)"
        )
        notebooks, blocks, references = rows[0]
        return Counts(int(notebooks), int(blocks), int(references))

    def skipped(self) -> list[tuple[str, str]]:
        rows = self.rows(
            "SELECT path, skipped FROM {s}.files WHERE skipped IS NOT NULL ORDER BY path"
        )
        return [(path, reason) for path, reason in rows]

    def duplicates(self, limit: int) -> list[Duplicate]:
        rows = self.rows(
            "SELECT path, original, count(*) FROM ("
            "  SELECT path,"
            "    first_value(path) OVER (PARTITION BY id ORDER BY first_seen) AS original,"
            "    row_number() OVER (PARTITION BY id ORDER BY first_seen) AS rank"
            "  FROM {s}.blocks WHERE id IN ("
            "    SELECT id FROM {s}.blocks WHERE id IS NOT NULL GROUP BY id"
            "    HAVING count(*) > 1)) AS copies"
            " WHERE rank > 1 GROUP BY path, original ORDER BY path, original LIMIT %s",
            (limit,),
        )
        return [Duplicate(path, original, int(count)) for path, original, count in rows]

    def unresolved_links(self) -> list[tuple[Backlink, str, bool]]:
        rows = self.rows(
            "SELECT b.id, b.path, b.idx, l.kind, b.source, l.target,"
            "  EXISTS (SELECT 1 FROM {s}.tombstones t WHERE t.id = l.target)"
            " FROM {s}.links l JOIN {s}.blocks b ON b.key = l.block"
            " WHERE l.kind IN ('ref', 'embed')"
            "   AND NOT EXISTS (SELECT 1 FROM {s}.blocks x WHERE x.id = l.target)"
            " ORDER BY b.path, b.idx"
        )
        return [(Backlink(*row[:5]), row[5], bool(row[6])) for row in rows]

    def notebook_links(self) -> list[tuple[Backlink, str]]:
        rows = self.rows(
            "SELECT b.id, b.path, b.idx, l.kind, b.source, l.target"
            " FROM {s}.links l JOIN {s}.blocks b ON b.key = l.block"
            " WHERE l.kind = 'notebook' ORDER BY b.path, b.idx"
        )
        return [(Backlink(*row[:5]), row[5]) for row in rows]

    def embed_edges(self) -> list[tuple[str, str]]:
        rows = self.rows(
            "SELECT DISTINCT b.id, l.target FROM {s}.links l JOIN {s}.blocks b"
            " ON b.key = l.block WHERE l.kind = 'embed' AND b.id IS NOT NULL"
            "   AND NOT EXISTS (SELECT 1 FROM {s}.blocks e"
            "                   WHERE e.id = b.id AND e.first_seen < b.first_seen)"
        )
        return [(row[0], row[1]) for row in rows]

    def ids_resolving_elsewhere(self, path: str) -> set[str]:
        rows = self.rows(
            "SELECT DISTINCT b.id FROM {s}.blocks b WHERE b.path = %s AND b.id IS NOT NULL"
            " AND EXISTS (SELECT 1 FROM {s}.blocks e WHERE e.id = b.id AND e.path <> b.path"
            "             AND e.first_seen < b.first_seen)",
            (path,),
        )
        return {row[0] for row in rows}

    def notebook_paths_named(self, name: str) -> list[str]:
        rows = self.rows(
            "SELECT path FROM {s}.files WHERE skipped IS NULL"
            " AND (path = %s OR right(path, %s) = %s)",
            (name, len(name) + 1, "/" + name),
        )
        return [row[0] for row in rows]
