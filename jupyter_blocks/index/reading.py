"""Reading notebooks for the index: a batch of files read and parsed into rows, or the
reason each is skipped. No store access: the parser thread, the writer thread or a child
process (``parse_process``) may run it, so that a batch is parsed while the one before is
stored."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass

from ..notebooks.notebook import Skip, read_notebook_file
from ..store import FileState, NotebookRow
from .tree import BAD_NAME, TreeRules, storable

# The store's work on a row that needs no database, done as it is read (PostgreSQL's
# word vectors): a module-level function, so that a child process can be given it.
Prepare = Callable[[NotebookRow], None]


@dataclass
class Batch:
    """Notebooks read from disk: each with the state it was read at, and its row or
    the reason it is skipped."""

    items: list[tuple[str, FileState, NotebookRow | Skip]]
    # The scan that read them (0: a change seen alone): what one scan finds together
    # (a clone, a checkout) says nothing of which came first (copies.py).
    scan: int = 0


def read_batch(
    rules: TreeRules,
    max_size: int,
    files: list[tuple[str, FileState]],
    scan: int = 0,
    prepare: Prepare | None = None,
    log: logging.Logger | None = None,
) -> Batch:
    """Read and parse these notebooks (``max_size`` bytes at most each), with
    ``prepare`` applied to each row read."""
    log = log or logging.getLogger(__name__)
    items: list[tuple[str, FileState, NotebookRow | Skip]] = []
    for path, state in files:
        result = read_one(rules, max_size, path, state, log)
        if prepare is not None and isinstance(result, NotebookRow):
            try:
                prepare(result)
            except Exception:  # the store does the work when it writes the row
                log.exception("jupyter-blocks could not prepare %s", storable(path))
        items.append((path, state, result))
    return Batch(items, scan)


def read_one(
    rules: TreeRules, max_size: int, path: str, state: FileState, log: logging.Logger
) -> NotebookRow | Skip:
    """The notebook, or why it is skipped. Never raises: one odd file must not stop
    the batch it is in."""
    if storable(path) != path:
        return Skip(BAD_NAME)
    try:
        return read_notebook_file(rules.os_path(path), path, state, max_size)
    except Skip as skip:
        return skip
    except Exception as error:  # a bug or an odd file: this one is skipped, and said
        log.exception("jupyter-blocks could not read %s", storable(path))
        return Skip(f"could not be read ({type(error).__name__}: {error})")
