"""Copies in the SQLite index: when a notebook holds ids another notebook holds, which
is the original is judged by evidence (``copies.py``), the ids resolve to it, and the
verdict and its reason are kept for status and ``jupyter blocks check``."""

from __future__ import annotations

import sqlite3

from ..notebooks.copies import Holder, Verdict, judge_pairs
from .sqlite_schema import chunks


def judge_copies(con: sqlite3.Connection, paths: list[str], root: str) -> list[str]:
    """Judge each notebook of ``paths`` against every other notebook holding one of its
    ids (``copies.judge_pairs``). Returns the ids whose block may resolve elsewhere now."""
    pairs: list[tuple[str, str]] = []
    for chunk in chunks(paths):
        marks = ",".join("?" * len(chunk))
        pairs.extend(
            con.execute(
                "SELECT DISTINCT a.path, b.path FROM blocks a JOIN blocks b"  # noqa: S608
                " ON b.id = a.id AND b.path != a.path"
                f" WHERE a.id IS NOT NULL AND a.path IN ({marks})",
                chunk,
            )
        )
    return judge_pairs(pairs, _Records(con), root)


class _Records:
    """``copies.CopyRecords`` in the SQLite index."""

    def __init__(self, con: sqlite3.Connection) -> None:
        self.con = con

    def judged(self, a: str, b: str) -> bool:
        return (
            self.con.execute(
                "SELECT 1 FROM copies"
                " WHERE (path = ? AND original = ?) OR (path = ? AND original = ?)",
                (a, b, b, a),
            ).fetchone()
            is not None
        )

    def holders(self, a: str, b: str) -> dict[str, Holder]:
        return {
            path: Holder(path, first_indexed, scan, mtime_ns)
            for path, first_indexed, scan, mtime_ns in self.con.execute(
                "SELECT path, first_indexed, scan, mtime_ns FROM files WHERE path IN (?, ?)",
                (a, b),
            )
        }

    def record(self, copy: str, verdict: Verdict) -> None:
        self.con.execute(
            "INSERT OR REPLACE INTO copies (path, original, reason, conclusive)"
            " VALUES (?, ?, ?, ?)",
            (copy, verdict.original, verdict.reason, int(verdict.conclusive)),
        )

    def resolve_to(self, original: str, copy: str) -> list[str]:
        """Swap first-seen numbers where the copy's block of an id came first."""
        rows = self.con.execute(
            "SELECT o.id, o.rowid, o.first_seen, c.rowid, c.first_seen"
            " FROM blocks o JOIN blocks c ON c.id = o.id"
            " WHERE o.path = ? AND c.path = ? AND c.first_seen < o.first_seen",
            (original, copy),
        ).fetchall()
        for _id, orow, ofirst, crow, cfirst in rows:
            self.con.execute("UPDATE blocks SET first_seen = ? WHERE rowid = ?", (cfirst, orow))
            self.con.execute("UPDATE blocks SET first_seen = ? WHERE rowid = ?", (ofirst, crow))
        return [row[0] for row in rows]


def forget(con: sqlite3.Connection, path: str) -> None:
    """A notebook gone from the index: its verdicts go with it."""
    con.execute("DELETE FROM copies WHERE path = ? OR original = ?", (path, path))


def rename(con: sqlite3.Connection, old: str, new: str) -> None:
    con.execute("UPDATE copies SET path = ? WHERE path = ?", (new, old))
    con.execute("UPDATE copies SET original = ? WHERE original = ?", (new, old))
