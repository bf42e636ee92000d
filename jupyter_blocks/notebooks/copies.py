"""Which of two notebooks holding the same cell ids is the original, and which the copy,
decided by evidence that survives a git clone (where every file has one mtime).

Evidence, strongest first:

1. The index's own memory: the notebook the index held the ids in before the other
   notebook appeared (first indexed at an earlier time, not in the same scan).
2. The name: one name is a copy of the other's as JupyterLab (``-Copy1``), file
   managers (`` copy``, `` copy 2``, `` - Copy``, ``Copy of ``, ``_copy``) and browsers
   (`` (1)``) name copies.
3. Git history, when the root is a repository: the notebook added to it first.
4. Modification times more than two seconds apart: the older one (a ``cp`` or a
   Duplicate is newer than its original; a fresh clone gives one time to all).

When none decides, the answer says it is not conclusive (the first by name is kept as
the target, so that references do not flip), and ``check`` says so.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from typing import Protocol

from . import gitread

MTIME_SLACK_NS = 2 * 10**9

_COPY_PATTERNS = [
    re.compile(r"^(?P<stem>.+)-Copy\d+$"),  # JupyterLab: File > Duplicate
    re.compile(r"^(?P<stem>.+) copy(?: \d+)?$", re.IGNORECASE),  # macOS Finder
    re.compile(r"^(?P<stem>.+) - Copy(?: \(\d+\))?$", re.IGNORECASE),  # Windows
    re.compile(r"^Copy (?:\(\d+\) )?of (?P<stem>.+)$", re.IGNORECASE),  # Drive, Windows
    re.compile(r"^(?P<stem>.+) \(\d+\)$"),  # browsers, Dropbox
    re.compile(r"^(?P<stem>.+)[_-]copy\d*$", re.IGNORECASE),
]


@dataclass(frozen=True)
class Holder:
    """A notebook holding a repeated id, and what is known of its history."""

    path: str  # from the root
    first_indexed: float = 0.0  # when the index first held it (seconds)
    scan: int = 0  # the scan that first indexed it (0: a change seen live)
    mtime_ns: int = 0


@dataclass(frozen=True)
class Verdict:
    """Which notebook is the original, why, and whether the evidence is conclusive."""

    original: str
    reason: str
    conclusive: bool


class CopyRecords(Protocol):
    """What a store keeps of copies, in its own SQL (``store/sqlite_copies.py``,
    ``store/postgres_copies.py``)."""

    def judged(self, a: str, b: str) -> bool:
        """Whether a verdict on the pair stands already (it is the index's memory)."""

    def holders(self, a: str, b: str) -> dict[str, Holder]:
        """The two notebooks' histories by path (fewer when one is gone)."""

    def record(self, copy: str, verdict: Verdict) -> None:
        """Keep the verdict, for status and ``jupyter blocks check``."""

    def resolve_to(self, original: str, copy: str) -> list[str]:
        """Make the shared ids resolve to the original (first-seen order); the ids
        whose block may resolve elsewhere now."""


def judge_pairs(pairs: Iterable[tuple[str, str]], records: CopyRecords, root: str) -> list[str]:
    """Judge each pair of notebooks sharing ids once (a verdict stands), keep the
    verdict and resolve the shared ids to the original. Returns the ids whose block may
    resolve elsewhere now."""
    changed: list[str] = []
    for a, b in sorted({(a, b) if a < b else (b, a) for a, b in pairs}):
        if records.judged(a, b):
            continue
        holders = records.holders(a, b)
        if len(holders) < 2:
            continue
        verdict = judge(holders[a], holders[b], root)
        copy = b if verdict.original == a else a
        records.record(copy, verdict)
        changed.extend(records.resolve_to(verdict.original, copy))
    return changed


def copy_stems(path: str) -> set[str]:
    """The names a notebook's name says it may be a copy of (``analysis-Copy1.ipynb`` ->
    ``{"analysis"}``; ``a - Copy.ipynb`` -> ``{"a", "a -"}``), or an empty set."""
    stem = os.path.splitext(os.path.basename(path))[0]
    return {match.group("stem") for p in _COPY_PATTERNS if (match := p.match(stem))}


def judge(a: Holder, b: Holder, root: str | None = None) -> Verdict:
    """The original of two notebooks holding the same ids."""
    # 1. Memory: one was held before the other appeared, outside one scan.
    if a.first_indexed != b.first_indexed and (a.scan != b.scan or a.scan == 0):
        first, second = (a, b) if a.first_indexed < b.first_indexed else (b, a)
        return Verdict(
            first.path,
            f"the index held these ids in {first.path} before {second.path} appeared",
            True,
        )
    # 2. Names.
    stem_a, stem_b = _stem(a.path), _stem(b.path)
    same_folder = os.path.dirname(a.path) == os.path.dirname(b.path)
    a_copy = same_folder and stem_b in copy_stems(a.path)
    b_copy = same_folder and stem_a in copy_stems(b.path)
    if a_copy != b_copy:
        original, copy = (b, a) if a_copy else (a, b)
        return Verdict(
            original.path,
            f"{os.path.basename(copy.path)} is named as a copy of "
            f"{os.path.basename(original.path)}",
            True,
        )
    # 3. Git history.
    if root is not None:
        added_a, added_b = git_added(root, a.path), git_added(root, b.path)
        if added_a is not None and added_b is not None and added_a != added_b:
            first, second = (a, b) if added_a < added_b else (b, a)
            return Verdict(
                first.path,
                f"git history: {first.path} was committed before {second.path}",
                True,
            )
    # 4. Modification times far enough apart.
    if abs(a.mtime_ns - b.mtime_ns) > MTIME_SLACK_NS:
        first, second = (a, b) if a.mtime_ns < b.mtime_ns else (b, a)
        return Verdict(
            first.path, f"{first.path} was modified before {second.path} was written", True
        )
    first = min(a, b, key=lambda h: h.path)
    return Verdict(
        first.path,
        "not conclusive: same age, no name of a copy, no history tells them apart; "
        f"{first.path} is kept as the original (first by name)",
        False,
    )


def _stem(path: str) -> str:
    return os.path.splitext(os.path.basename(path))[0]


def git_added(root: str, path: str) -> int | None:
    """When ``path`` was first added to the git repository holding ``root`` (commit
    time, seconds), or None when there is no repository, no history or no git. Asked
    from the notebook's folder: the repository may be the root, hold it, or sit in it."""
    full = os.path.join(os.path.realpath(root), path)
    return _git_added(os.path.dirname(full), os.path.basename(full))


@lru_cache(maxsize=4096)
def _git_added(folder: str, name: str) -> int | None:
    # No --follow: it takes an exact copy for the file it was copied from. Read-only,
    # and nothing the repository says may run a program (gitread.py); the path comes
    # after "--".
    out = gitread.run(
        folder, "log", "--no-show-signature", "--diff-filter=A", "--format=%ct", "--", name
    )
    if out is None:
        return None
    times = [int(t) for t in out.split() if t.isdigit()]
    return min(times) if times else None
