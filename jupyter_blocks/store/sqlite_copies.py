"""Copies in the SQLite index: when a notebook holds ids another notebook holds, which
is the original is judged by evidence (``copies.py``), the ids resolve to it, and the
verdict and its reason are kept for status and ``jupyter blocks check``."""

from __future__ import annotations

import sqlite3

from ..copies import Holder, judge
from .sqlite_schema import chunks


def judge_copies(con: sqlite3.Connection, paths: list[str], root: str) -> list[str]:
    """Judge each notebook of ``paths`` against every other notebook holding one of its
    ids, once per pair (a verdict stands: it is the index's memory); order first-seen
    so that the shared ids resolve to the original. Returns the ids whose block may
    resolve elsewhere now."""
    pairs: set[tuple[str, str]] = set()
    for chunk in chunks(paths):
        marks = ",".join("?" * len(chunk))
        for a, b in con.execute(
            "SELECT DISTINCT a.path, b.path FROM blocks a JOIN blocks b"  # noqa: S608
            " ON b.id = a.id AND b.path != a.path"
            f" WHERE a.id IS NOT NULL AND a.path IN ({marks})",
            chunk,
        ):
            pairs.add((a, b) if a < b else (b, a))
    changed: list[str] = []
    for a, b in sorted(pairs):
        if con.execute(
            "SELECT 1 FROM copies WHERE (path = ? AND original = ?) OR (path = ? AND original = ?)",
            (a, b, b, a),
        ).fetchone():
            continue
        holders = {
            path: Holder(path, first_indexed, scan, mtime_ns)
            for path, first_indexed, scan, mtime_ns in con.execute(
                "SELECT path, first_indexed, scan, mtime_ns FROM files WHERE path IN (?, ?)",
                (a, b),
            )
        }
        if len(holders) < 2:
            continue
        verdict = judge(holders[a], holders[b], root)
        original = verdict.original
        copy = b if original == a else a
        con.execute(
            "INSERT OR REPLACE INTO copies (path, original, reason, conclusive)"
            " VALUES (?, ?, ?, ?)",
            (copy, original, verdict.reason, int(verdict.conclusive)),
        )
        changed.extend(_resolve_to(con, original, copy))
    return changed


def _resolve_to(con: sqlite3.Connection, original: str, copy: str) -> list[str]:
    """Swap first-seen numbers where the copy's block of an id came first."""
    rows = con.execute(
        "SELECT o.id, o.rowid, o.first_seen, c.rowid, c.first_seen"
        " FROM blocks o JOIN blocks c ON c.id = o.id"
        " WHERE o.path = ? AND c.path = ? AND c.first_seen < o.first_seen",
        (original, copy),
    ).fetchall()
    for _id, orow, ofirst, crow, cfirst in rows:
        con.execute("UPDATE blocks SET first_seen = ? WHERE rowid = ?", (cfirst, orow))
        con.execute("UPDATE blocks SET first_seen = ? WHERE rowid = ?", (ofirst, crow))
    return [row[0] for row in rows]


def forget(con: sqlite3.Connection, path: str) -> None:
    """A notebook gone from the index: its verdicts go with it."""
    con.execute("DELETE FROM copies WHERE path = ? OR original = ?", (path, path))


def rename(con: sqlite3.Connection, old: str, new: str) -> None:
    con.execute("UPDATE copies SET path = ? WHERE path = ?", (new, old))
    con.execute("UPDATE copies SET original = ? WHERE original = ?", (new, old))
