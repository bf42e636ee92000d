"""The reads of the PostgreSQL index, each one statement (one snapshot) on a pooled
reader connection. The same questions as ``sqlite.py`` and ``sqlite_reads.py`` ask,
in the SQL the two engines share where they can."""

from __future__ import annotations

import contextlib
import json
from collections.abc import Callable
from typing import Any

import psycopg

from .postgres_schema import sql
from .records import Backlink, Block, Counts, Duplicate, FileState, LabelHolder, path_key

BLOCK_COLUMNS = "id, path, idx, cell_type, source, label"
# The ids and labels of a notebook's blocks that resolve to them (not to an earlier
# original, nor, for a label, to an earlier holder or to a block with that id), as in
# sqlite_reads.
OWN = (
    "own AS (SELECT o.id AS target, o.id AS id FROM {s}.blocks o"
    "   WHERE o.path = %(path)s AND o.id IS NOT NULL"
    "   AND NOT EXISTS (SELECT 1 FROM {s}.blocks e"
    "                   WHERE e.id = o.id AND e.first_seen < o.first_seen)"
    " UNION SELECT o.label, o.id FROM {s}.blocks o"
    "   WHERE o.path = %(path)s AND o.label IS NOT NULL"
    "   AND NOT EXISTS (SELECT 1 FROM {s}.blocks e WHERE e.id = o.label)"
    "   AND NOT EXISTS (SELECT 1 FROM {s}.blocks e"
    "                   WHERE e.label = o.label AND e.first_seen < o.first_seen))"
)

# The targets a block's references may name: its id, and its label when the label
# resolves to it (no block has the label as id, and it is the label's first holder).
_TARGETS_OF_ID = (
    "mine AS (SELECT label FROM {s}.blocks WHERE id = %(id)s"
    "   ORDER BY first_seen LIMIT 1),"
    " targets AS (SELECT %(id)s AS target UNION SELECT m.label FROM mine m"
    "   WHERE m.label IS NOT NULL"
    "   AND NOT EXISTS (SELECT 1 FROM {s}.blocks e WHERE e.id = m.label)"
    "   AND (SELECT h.id FROM {s}.blocks h WHERE h.label = m.label"
    "        ORDER BY h.first_seen LIMIT 1) = %(id)s)"
)
# The block each of {targets} resolves to: by id (the lowest first-seen), else by label,
# else a tombstone of that id, else of that label; rows ranked 0 to 3 (best first), the
# best written last.
_LAST = " ORDER BY 1 DESC"
_RESOLVED = (
    "SELECT * FROM ("  # noqa: S608 (constants only)
    " SELECT DISTINCT ON (id) 0 AS rank, id AS target, " + BLOCK_COLUMNS + ", false"
    "  FROM {s}.blocks WHERE id {targets} ORDER BY id, first_seen) AS by_id"
    " UNION ALL SELECT * FROM ("
    " SELECT DISTINCT ON (label) 1, label, " + BLOCK_COLUMNS + ", false"
    "  FROM {s}.blocks WHERE label {targets} ORDER BY label, first_seen) AS by_label"
    " UNION ALL SELECT 2, id, " + BLOCK_COLUMNS + ", true"
    "  FROM {s}.tombstones WHERE id {targets}"
    " UNION ALL SELECT * FROM ("
    " SELECT DISTINCT ON (label) 3, label, " + BLOCK_COLUMNS + ", true"
    "  FROM {s}.tombstones WHERE label {targets} ORDER BY label, first_seen) AS gone" + _LAST
)

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

    def get_blocks(self, targets: list[str]) -> dict[str, Block]:
        """The block each target (an id, else a label) resolves to (the lowest
        first-seen), else its tombstone: one statement, so a block coming back is seen
        in one table or the other."""
        targets = list(dict.fromkeys(targets))
        if not targets:
            return {}
        rows = self.rows(_RESOLVED.replace("{targets}", "= ANY(%(t)s)"), {"t": targets})
        # The best rank is written last: it wins.
        return {
            target: Block(bid, path, idx, cell_type, source, bool(deleted), label)
            for _rank, target, bid, path, idx, cell_type, source, label, deleted in rows
        }

    def backlinks(self, block_id: str) -> list[Backlink]:
        """References to a block by its id, or by its label when the label resolves to
        it (no block has the label as id, and it is the label's first holder): one
        statement."""
        rows = self.rows(
            f"WITH {_TARGETS_OF_ID}"  # noqa: S608 (constants only)
            " SELECT DISTINCT b.id, b.path, b.idx, l.kind, b.source"
            " FROM {s}.links l JOIN {s}.blocks b ON b.key = l.block"
            " WHERE l.target IN (SELECT target FROM targets) AND l.kind IN ('ref', 'embed')"
            " ORDER BY b.path, b.idx, l.kind",
            {"id": block_id},
        )
        return [Backlink(*row) for row in rows]

    def backlinks_with_blocks(self, block_id: str) -> tuple[list[Backlink], dict[str, Block]]:
        """``backlinks`` and ``get_blocks`` of the block and of every target the
        backlinking blocks reference (the titles they show), in one statement: one
        round trip for a request of the backlinks panel."""
        rows = self.rows(
            f"WITH {_TARGETS_OF_ID},"  # noqa: S608 (constants only)
            " back AS (SELECT DISTINCT b.key, b.id, b.path, b.idx, l.kind, b.source"
            "   FROM {s}.links l JOIN {s}.blocks b ON b.key = l.block"
            "   WHERE l.target IN (SELECT target FROM targets) AND l.kind IN ('ref', 'embed')),"
            " wanted AS (SELECT %(id)s AS t UNION SELECT r.target FROM {s}.links r"
            "   WHERE r.block IN (SELECT key FROM back) AND r.kind IN ('ref', 'embed'))"
            " SELECT * FROM ("
            "  SELECT 9 AS rank, NULL AS target, id, path, idx, kind, source, NULL, false"
            "  FROM back) AS links"
            " UNION ALL "
            + _RESOLVED.replace("{targets}", "IN (SELECT t FROM wanted)")[: -len(_LAST)]
            + " ORDER BY 1 DESC, 4, 5, 6",
            {"id": block_id},
        )
        links: list[Backlink] = []
        blocks: dict[str, Block] = {}
        for rank, target, bid, path, idx, kind, source, label, deleted in rows:
            if rank == 9:
                links.append(Backlink(bid, path, idx, kind, source))
            else:  # the best rank comes last: it wins
                blocks[target] = Block(bid, path, idx, kind, source, bool(deleted), label)
        return links, blocks

    def notebook_backlinks(self, path: str, link_targets: list[str]) -> list[Backlink]:
        rows = self.rows(
            f"WITH {OWN}"  # noqa: S608 (constants only)
            " SELECT DISTINCT b.id, b.path, b.idx, l.kind, b.source"
            " FROM {s}.links l JOIN {s}.blocks b ON b.key = l.block"
            " WHERE (l.kind IN ('ref', 'embed') AND l.target IN (SELECT target FROM own))"
            "    OR (l.kind = 'notebook' AND l.target = ANY(%(links)s))"
            " ORDER BY b.path, b.idx, l.kind",
            {"path": path, "links": link_targets},
        )
        return [Backlink(*row) for row in rows]

    def links_to(
        self, targets: list[str], kinds: tuple[str, ...], prefix: str | None = None
    ) -> list[Backlink]:
        """Blocks linking to one of ``targets`` (as written) or to a target starting
        with ``prefix`` (compared by characters, whatever the database's collation)."""
        rows = self.rows(
            "SELECT DISTINCT b.id, b.path, b.idx, l.kind, b.source"
            " FROM {s}.links l JOIN {s}.blocks b ON b.key = l.block"
            " WHERE l.kind = ANY(%(kinds)s) AND (l.target = ANY(%(targets)s)"
            "   OR (%(prefix)s <> '' AND left(l.target, %(size)s) = %(prefix)s))"
            " ORDER BY b.path, b.idx, l.kind",
            {
                "kinds": list(kinds),
                "targets": targets,
                "prefix": prefix or "",
                "size": len(prefix or ""),
            },
        )
        return [Backlink(*row) for row in rows]

    def notebook_targets(self, path: str) -> list[str]:
        rows = self.rows(f"WITH {OWN} SELECT DISTINCT target FROM own", {"path": path})  # noqa: S608
        return [row[0] for row in rows]

    def backlink_counts(self, path: str) -> dict[str, int]:
        """For each block (by id) of ``path`` that is referenced, by id or label: how
        many blocks reference or embed it."""
        rows = self.rows(
            f"WITH {OWN}"  # noqa: S608 (constants only)
            " SELECT o.id, count(DISTINCT l.block) FROM {s}.links l"
            " JOIN own o ON o.target = l.target"
            " WHERE l.kind IN ('ref', 'embed') AND o.id IS NOT NULL GROUP BY o.id",
            {"path": path},
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
        """Notebooks holding ids first seen in another (copies), by original, with the
        verdict on which is the copy and why."""
        rows = self.rows(
            "SELECT d.path, d.original, d.n, coalesce(c.reason, CASE WHEN d.path = d.original"
            "  THEN 'these ids are repeated by cells of this notebook' ELSE '' END),"
            " coalesce(c.conclusive, true)"
            " FROM (SELECT path, original, count(*) AS n FROM ("
            "  SELECT path,"
            "    first_value(path) OVER (PARTITION BY id ORDER BY first_seen) AS original,"
            "    row_number() OVER (PARTITION BY id ORDER BY first_seen) AS rank"
            "  FROM {s}.blocks WHERE id IN ("
            "    SELECT id FROM {s}.blocks WHERE id IS NOT NULL GROUP BY id"
            "    HAVING count(*) > 1)) AS held WHERE rank > 1 GROUP BY path, original) AS d"
            " LEFT JOIN {s}.copies c ON c.path = d.path AND c.original = d.original"
            " ORDER BY d.path, d.original LIMIT %s",
            (limit,),
        )
        return [Duplicate(p, o, int(n), reason, bool(sure)) for p, o, n, reason, sure in rows]

    def labelled(self, label: str, limit: int) -> list[Block]:
        rows = self.rows(
            "SELECT " + BLOCK_COLUMNS + " FROM {s}.blocks WHERE label = %s"  # noqa: S608
            " ORDER BY first_seen, path, idx LIMIT %s",
            (label, limit),
        )
        return [
            Block(bid, path, idx, cell_type, source, False, lab)
            for bid, path, idx, cell_type, source, lab in rows
        ]

    def label_clashes(self, limit: int) -> list[LabelHolder]:
        """Blocks declaring a label another block declares too, and labels that are
        another block's id (the id wins), in order."""
        rows = self.rows(
            "SELECT label, id, path, idx, 'label' FROM {s}.blocks WHERE label IN ("
            "   SELECT label FROM {s}.blocks WHERE label IS NOT NULL GROUP BY label"
            "   HAVING count(*) > 1)"
            " UNION ALL SELECT b.label, b.id, b.path, b.idx, 'id' FROM {s}.blocks b"
            " WHERE b.label IS NOT NULL"
            "   AND EXISTS (SELECT 1 FROM {s}.blocks e WHERE e.id = b.label)"
            " ORDER BY 1, 3, 4 LIMIT %s",
            (limit,),
        )
        return [LabelHolder(*row) for row in rows]

    def unresolved_links(self) -> list[tuple[Backlink, str, bool]]:
        rows = self.rows(
            "SELECT b.id, b.path, b.idx, l.kind, b.source, l.target,"
            "  EXISTS (SELECT 1 FROM {s}.tombstones t"
            "          WHERE t.id = l.target OR t.label = l.target)"
            " FROM {s}.links l JOIN {s}.blocks b ON b.key = l.block"
            " WHERE l.kind IN ('ref', 'embed')"
            "   AND NOT EXISTS (SELECT 1 FROM {s}.blocks x WHERE x.id = l.target)"
            "   AND NOT EXISTS (SELECT 1 FROM {s}.blocks x WHERE x.label = l.target)"
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

    def patched_embeds(self) -> list[tuple[Backlink, str, str]]:
        rows = self.rows(
            "SELECT b.id, b.path, b.idx, l.kind, b.source, l.target, l.facet"
            " FROM {s}.links l JOIN {s}.blocks b ON b.key = l.block"
            " WHERE l.kind = 'embed' AND strpos(l.facet, ' with ') > 0"
            " ORDER BY b.path, b.idx"
        )
        return [(Backlink(*row[:5]), row[5], row[6]) for row in rows]

    def embed_edges(self) -> list[tuple[str, str]]:
        """``(embedding block id, embedded id)``, a label target resolved to its
        block's id."""
        rows = self.rows(
            "SELECT DISTINCT b.id, coalesce("
            "   (SELECT x.id FROM {s}.blocks x WHERE x.id = l.target LIMIT 1),"
            "   (SELECT x.id FROM {s}.blocks x WHERE x.label = l.target"
            "    ORDER BY x.first_seen LIMIT 1), l.target)"
            " FROM {s}.links l JOIN {s}.blocks b ON b.key = l.block"
            " WHERE l.kind = 'embed' AND b.id IS NOT NULL"
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
        """Indexed notebooks whose file name is ``name`` (compared in NFC)."""
        key = path_key(name)
        rows = self.rows(
            "SELECT path FROM {s}.files WHERE skipped IS NULL"
            " AND (key = %s OR right(key, %s) = %s)",
            (key, len(key) + 1, "/" + key),
        )
        return [row[0] for row in rows]

    def real_path(self, path: str) -> str | None:
        """The indexed notebook a path names, compared in NFC (its real name on disk)."""
        rows = self.rows(
            "SELECT path FROM {s}.files WHERE key = %s ORDER BY path = %s DESC LIMIT 1",
            (path_key(path), path),
        )
        return rows[0][0] if rows else None

    def problems(self) -> list[tuple[str, str]]:
        """``(path, what)`` of what indexed notebooks could not hold in full."""
        found: list[tuple[str, str]] = []
        for path, listed in self.rows(
            "SELECT path, problems FROM {s}.files WHERE problems IS NOT NULL ORDER BY path"
        ):
            found.extend((path, what) for what in json.loads(listed))
        return found
