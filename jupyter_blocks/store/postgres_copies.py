"""Copies in the PostgreSQL index, by the rule ``sqlite_copies`` applies: when a notebook
holds ids another notebook holds, which is the original is judged by evidence
(``copies.py``), the ids resolve to it, and the verdict and its reason are kept for
status and ``jupyter blocks check``."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..notebooks.copies import Holder, Verdict, judge_pairs

if TYPE_CHECKING:
    from .postgres_writes import Tx


def judge_copies(tx: Tx, paths: list[str], root: str) -> list[str]:
    """Judge each notebook of ``paths`` against every other notebook holding one of its
    ids (``copies.judge_pairs``). Returns the ids whose block may resolve elsewhere now."""
    pairs = tx.run(
        "SELECT DISTINCT a.path, b.path FROM {s}.blocks a JOIN {s}.blocks b"
        " ON b.id = a.id AND b.path <> a.path"
        " WHERE a.id IS NOT NULL AND a.path = ANY(%s)",
        (paths,),
    ).fetchall()
    return judge_pairs(pairs, _Records(tx), root)


class _Records:
    """``copies.CopyRecords`` in the PostgreSQL index."""

    def __init__(self, tx: Tx) -> None:
        self.tx = tx

    def judged(self, a: str, b: str) -> bool:
        return (
            self.tx.run(
                "SELECT 1 FROM {s}.copies WHERE (path = %s AND original = %s)"
                " OR (path = %s AND original = %s)",
                (a, b, b, a),
            ).fetchone()
            is not None
        )

    def holders(self, a: str, b: str) -> dict[str, Holder]:
        return {
            path: Holder(path, first_indexed, scan, mtime_ns)
            for path, first_indexed, scan, mtime_ns in self.tx.run(
                "SELECT path, first_indexed, scan, mtime_ns FROM {s}.files WHERE path IN (%s, %s)",
                (a, b),
            ).fetchall()
        }

    def record(self, copy: str, verdict: Verdict) -> None:
        self.tx.run(
            "INSERT INTO {s}.copies (path, original, reason, conclusive)"
            " VALUES (%s, %s, %s, %s) ON CONFLICT (path, original) DO UPDATE"
            " SET reason = excluded.reason, conclusive = excluded.conclusive",
            (copy, verdict.original, verdict.reason, verdict.conclusive),
        )

    def resolve_to(self, original: str, copy: str) -> list[str]:
        """Swap first-seen numbers where the copy's block of an id came first."""
        rows = self.tx.run(
            "SELECT o.id, o.key, o.first_seen, c.key, c.first_seen"
            " FROM {s}.blocks o JOIN {s}.blocks c ON c.id = o.id"
            " WHERE o.path = %s AND c.path = %s AND c.first_seen < o.first_seen",
            (original, copy),
        ).fetchall()
        for _id, okey, ofirst, ckey, cfirst in rows:
            self.tx.run("UPDATE {s}.blocks SET first_seen = %s WHERE key = %s", (cfirst, okey))
            self.tx.run("UPDATE {s}.blocks SET first_seen = %s WHERE key = %s", (ofirst, ckey))
        return [row[0] for row in rows]
