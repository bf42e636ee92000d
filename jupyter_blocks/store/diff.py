"""What a write changes in an index, decided without SQL: which rows of a notebook a new
version of it updates, adds and removes (so that an edit to one cell touches one row and
every id keeps its first-seen order), where a rename moves each path, and what the change
log keeps. Every store applies these plans with its own engine.
"""

from __future__ import annotations

import json
from collections.abc import Container, Iterable
from dataclasses import dataclass, field

from .records import BlockRow, LoggedChange

KEEP_CHANGES = 256  # entries of the change log kept for other servers to read
MAX_LOGGED = 500  # paths or ids per logged change; past it, the change says truncated


@dataclass(frozen=True, slots=True)
class StoredBlock:
    """A block row as a store holds it (``key`` is the store's own row key)."""

    key: int
    index: int
    id: str | None
    cell_type: str
    source: str
    # What the indexer derives from the source (label, title, words, name): a block
    # whose rule for them changed is updated too.
    derived: tuple[object, ...] = ()


def derived(block: BlockRow) -> tuple[object, ...]:
    """What the indexer derived from a block's source, as ``StoredBlock.derived``."""
    return (block.label, block.title, block.words, block.name)


@dataclass(slots=True)
class NotebookDiff:
    """How to turn a notebook's stored rows into its new cells."""

    # (row key, new block, whether its source changed: its links and words are redone)
    updates: list[tuple[int, BlockRow, bool]] = field(default_factory=list)
    added: list[BlockRow] = field(default_factory=list)
    removed: list[StoredBlock] = field(default_factory=list)  # they leave tombstones
    changed: list[str] = field(default_factory=list)  # ids whose block changed


def block_key(
    taken: Container[tuple[str, object]], block_id: str | None, index: int
) -> tuple[str, object]:
    """How a cell is matched across two versions of its notebook: by id, or by position
    when it has none (or repeats an id already seen in this notebook)."""
    if block_id and ("id", block_id) not in taken:
        return ("id", block_id)
    return ("idx", index)


def diff_notebook(stored: Iterable[StoredBlock], blocks: list[BlockRow]) -> NotebookDiff:
    """The plan that turns ``stored`` (the rows a notebook has in the index) into
    ``blocks`` (its cells now)."""
    old: dict[tuple[str, object], StoredBlock] = {}
    for row in stored:
        old[block_key(old, row.id, row.index)] = row
    diff = NotebookDiff()
    new_keys: dict[tuple[str, object], None] = {}
    for block in blocks:
        key = block_key(new_keys, block.id, block.index)
        new_keys[key] = None
        previous = old.pop(key, None)
        if previous is None:
            diff.added.append(block)
            if block.id:
                diff.changed.append(block.id)
            continue
        same = (previous.index, previous.cell_type, previous.source, previous.derived) == (
            block.index,
            block.cell_type,
            block.source,
            derived(block),
        )
        if same:
            continue
        diff.updates.append((previous.key, block, previous.source != block.source))
        if block.id:
            diff.changed.append(block.id)
    for row in old.values():
        diff.removed.append(row)
        if row.id:
            diff.changed.append(row.id)
    return diff


def first_seen_order(
    blocks: list[tuple[str, BlockRow]], revived: dict[str, int], next_seen: int
) -> tuple[list[int], int]:
    """The first-seen number of each new block, and the next free number. A block coming
    back (undo, git revert, a move seen as delete + create) takes its old place
    (``revived``: id -> first-seen of its tombstone); only the first copy of an id does,
    later ones are new."""
    revived = dict(revived)
    numbers = []
    for _, block in blocks:
        first_seen = revived.pop(block.id, None) if block.id else None
        if first_seen is None:
            first_seen = next_seen
            next_seen += 1
        numbers.append(first_seen)
    return numbers, next_seen


def rename_moves(old: str, new: str, known: Iterable[str]) -> list[tuple[str, str]]:
    """Where a rename of ``old`` to ``new`` moves each of the ``known`` paths: the
    notebook itself, or every notebook under ``old`` when it is a folder."""
    known = list(known)
    if old in known:
        return [(old, new)]
    prefix = old.rstrip("/") + "/"
    dest = new.rstrip("/") + "/"
    return [(path, dest + path[len(prefix) :]) for path in known if path.startswith(prefix)]


def log_entry(paths: list[str], ids: list[str]) -> tuple[str, str, bool] | None:
    """A change as the log keeps it: JSON lists of paths and ids (each cut at
    MAX_LOGGED, then marked truncated), or None when nothing changed."""
    if not paths and not ids:
        return None
    truncated = len(paths) > MAX_LOGGED or len(ids) > MAX_LOGGED
    return (
        json.dumps(sorted(set(paths))[:MAX_LOGGED]),
        json.dumps(sorted(set(ids))[:MAX_LOGGED]),
        truncated,
    )


def read_log(
    rows: list[tuple[int, str, str, str, bool]], origin: str, missed: bool
) -> list[LoggedChange]:
    """The logged changes ``(seq, origin, paths, ids, truncated)`` that servers other
    than ``origin`` wrote; a truncated change first when entries were ``missed``
    (pruned before they were read)."""
    found: list[LoggedChange] = []
    if missed:
        found.append(LoggedChange([], [], truncated=True))
    for _seq, by, paths, ids, truncated in rows:
        if by != origin:
            found.append(LoggedChange(json.loads(paths), json.loads(ids), bool(truncated)))
    return found
