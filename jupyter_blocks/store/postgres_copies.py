"""Copies in the PostgreSQL index, by the rule ``sqlite_copies`` applies: when a notebook
holds ids another notebook holds, which is the original is judged by evidence
(``copies.py``), the ids resolve to it, and the verdict and its reason are kept for
status and ``jupyter blocks check``."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..copies import Holder, judge

if TYPE_CHECKING:
    from .postgres_writes import Tx


def judge_copies(tx: Tx, paths: list[str], root: str) -> list[str]:
    """Judge each notebook of ``paths`` against every other notebook holding one of its
    ids, once per pair (a verdict stands: it is the index's memory); order first-seen
    so that the shared ids resolve to the original. Returns the ids whose block may
    resolve elsewhere now."""
    pairs: set[tuple[str, str]] = set()
    for a, b in tx.run(
        "SELECT DISTINCT a.path, b.path FROM {s}.blocks a JOIN {s}.blocks b"
        " ON b.id = a.id AND b.path <> a.path"
        " WHERE a.id IS NOT NULL AND a.path = ANY(%s)",
        (paths,),
    ).fetchall():
        pairs.add((a, b) if a < b else (b, a))
    changed: list[str] = []
    for a, b in sorted(pairs):
        if tx.run(
            "SELECT 1 FROM {s}.copies WHERE (path = %s AND original = %s)"
            " OR (path = %s AND original = %s)",
            (a, b, b, a),
        ).fetchone():
            continue
        holders = {
            path: Holder(path, first_indexed, scan, mtime_ns)
            for path, first_indexed, scan, mtime_ns in tx.run(
                "SELECT path, first_indexed, scan, mtime_ns FROM {s}.files WHERE path IN (%s, %s)",
                (a, b),
            ).fetchall()
        }
        if len(holders) < 2:
            continue
        verdict = judge(holders[a], holders[b], root)
        original = verdict.original
        copy = b if original == a else a
        tx.run(
            "INSERT INTO {s}.copies (path, original, reason, conclusive)"
            " VALUES (%s, %s, %s, %s) ON CONFLICT (path, original) DO UPDATE"
            " SET reason = excluded.reason, conclusive = excluded.conclusive",
            (copy, original, verdict.reason, verdict.conclusive),
        )
        changed.extend(_resolve_to(tx, original, copy))
    return changed


def _resolve_to(tx: Tx, original: str, copy: str) -> list[str]:
    """Swap first-seen numbers where the copy's block of an id came first."""
    rows = tx.run(
        "SELECT o.id, o.key, o.first_seen, c.key, c.first_seen"
        " FROM {s}.blocks o JOIN {s}.blocks c ON c.id = o.id"
        " WHERE o.path = %s AND c.path = %s AND c.first_seen < o.first_seen",
        (original, copy),
    ).fetchall()
    for _id, okey, ofirst, ckey, cfirst in rows:
        tx.run("UPDATE {s}.blocks SET first_seen = %s WHERE key = %s", (cfirst, okey))
        tx.run("UPDATE {s}.blocks SET first_seen = %s WHERE key = %s", (ofirst, ckey))
    return [row[0] for row in rows]
