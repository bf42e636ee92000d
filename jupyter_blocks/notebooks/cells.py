"""The live content of cells, read from their notebook files when served.

The index keeps sources (for search and references) but not outputs: an embed reads a
block's outputs from its file. What costs is parsing the file (orjson and nbformat's
joining rules: about a second for 100 MiB), so nothing is parsed twice for one file
state:

- a notebook of up to CACHE_MAX_FILE bytes is kept whole (the last CACHE_ENTRIES);
- of a larger one, what was served is kept: its signature digest, its metadata and
  the cells asked for (at most SLIM_CELLS of them, within SLIM_BYTES in all), so that
  the embeds of a host notebook, shown again and again, never parse it again;
- one request reads a file once, whatever number of its blocks it asks for; requests
  asking for the same large file at once wait for one parse, and large files are
  parsed one at a time (the memory a parse takes is bounded).
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import nbformat
import orjson
from nbformat.sign import NotebookNotary

from ..links.refs import is_block_id
from ..store import FileState
from .notebook import Skip, notebook_state, read_notebook

CACHE_ENTRIES = 16
CACHE_MAX_FILE = 32 * 2**20  # larger files are kept slim (what was served of them)
SLIM_CELLS = 256  # cells kept of one large notebook
SLIM_BYTES = 64 * 2**20  # bytes of cells kept of large notebooks, in all

Wanted = Sequence[tuple[str | None, int]]  # (block id, index): as NotebookContent.cell


@dataclass
class NotebookContent:
    """A notebook file as read (``load_notebook``): its cells, by position and by id."""

    state: FileState
    cells: list[dict[str, Any]]
    by_id: dict[str, int]
    data: dict[str, Any]
    signature: str | None = None

    def cell(self, block_id: str | None, index: int) -> dict[str, Any] | None:
        """The cell with this id (the first, if repeated), else the one at ``index``."""
        if block_id is not None:
            position = self.by_id.get(block_id)
            return self.cells[position] if position is not None else None
        if 0 <= index < len(self.cells):
            return self.cells[index]
        return None


@dataclass
class Served:
    """What a request needs of one notebook: some of its cells, its signature digest
    (None when not asked or not computable) and its metadata (``data["metadata"]``)."""

    state: FileState
    data: dict[str, Any]
    signature: str | None
    cells: dict[tuple[str | None, int], dict[str, Any] | None] = field(default_factory=dict)
    size: int = 0  # bytes of the kept cells, as JSON

    def cell(self, block_id: str | None, index: int) -> dict[str, Any] | None:
        return self.cells.get(_key(block_id, index))

    def holds(self, wanted: Wanted) -> bool:
        return all(_key(i, n) in self.cells for i, n in wanted)


def _key(block_id: str | None, index: int) -> tuple[str | None, int]:
    return (block_id, -1) if block_id is not None else (None, index)


class NotebookReader:
    """Reads notebooks (thread-safe), keeping what was read as the module says."""

    def __init__(self, max_size: int, whole_up_to: int = CACHE_MAX_FILE) -> None:
        self.max_size = max_size
        # Notebooks up to this size are kept whole (a short-lived export keeps them all).
        self.whole_up_to = whole_up_to
        self._cache: OrderedDict[str, NotebookContent] = OrderedDict()
        self._slim: OrderedDict[str, Served] = OrderedDict()
        self._lock = threading.Lock()
        self._file_locks: dict[str, threading.Lock] = {}
        self._large = threading.Lock()  # one large parse at a time

    def read(self, os_path: str) -> NotebookContent | None:
        """The whole notebook at ``os_path``, or None when it is gone or unreadable."""
        state = _state(os_path)
        if state is None:
            return None
        with self._lock:
            cached = self._cache.get(os_path)
            if cached is not None and cached.state == state:
                self._cache.move_to_end(os_path)
                return cached
        content = self._parse(os_path, state)
        if content is not None and state.size <= self.whole_up_to:
            with self._lock:
                self._cache[os_path] = content
                while len(self._cache) > CACHE_ENTRIES:
                    self._cache.popitem(last=False)
        return content

    def served(
        self, os_path: str, wanted: Wanted, notary: NotebookNotary | None = None
    ) -> Served | None:
        """The cells ``wanted`` of the notebook at ``os_path`` (None for a cell it does
        not hold), with its signature digest when a ``notary`` is given; None when the
        file is gone or unreadable."""
        state = _state(os_path)
        if state is None:
            return None
        if state.size <= self.whole_up_to:
            content = self.read(os_path)
            return self._serve(content, wanted, notary) if content is not None else None
        with self._file_lock(os_path):
            with self._lock:
                kept = self._slim.get(os_path)
            fits = kept is not None and kept.state == state and kept.holds(wanted)
            if kept is not None and fits and (notary is None or kept.signature is not None):
                with self._lock:
                    self._slim.move_to_end(os_path)
                return kept
            with self._large:
                content = self._parse(os_path, state)
            if content is None:
                return None
            fresh = self._serve(content, wanted, notary)
            self._keep(os_path, fresh, kept if kept is not None and kept.state == state else None)
            return fresh

    @staticmethod
    def signature(content: NotebookContent, notary: NotebookNotary) -> str | None:
        """The notebook's signature digest (computed once per file state).

        Only the digest is computed here, off the event loop; whether the user trusts
        it is asked of the notary's own store, on the thread that owns it."""
        if content.signature is None:
            try:
                node = nbformat.from_dict(content.data)
                content.signature = notary.compute_signature(node) or ""
            except Exception:  # a malformed notebook is simply not trusted
                content.signature = ""
        return content.signature or None

    # -- steps -----------------------------------------------------------------------
    def _parse(self, os_path: str, state: FileState) -> NotebookContent | None:
        try:
            nb = read_notebook(os_path, self.max_size)
        except Skip:
            return None
        cells: list[dict[str, Any]] = nb["cells"]
        by_id: dict[str, int] = {}
        for position, cell in enumerate(cells):
            cell_id = cell.get("id")
            if isinstance(cell_id, str) and is_block_id(cell_id):
                by_id.setdefault(cell_id, position)
        return NotebookContent(state, cells, by_id, nb)

    def _serve(
        self, content: NotebookContent, wanted: Wanted, notary: NotebookNotary | None
    ) -> Served:
        signature = self.signature(content, notary) if notary is not None else None
        meta = {k: v for k, v in content.data.items() if k != "cells"}
        served = Served(content.state, meta, signature)
        for block_id, index in wanted:
            served.cells[_key(block_id, index)] = content.cell(block_id, index)
        return served

    def _keep(self, os_path: str, fresh: Served, before: Served | None) -> None:
        """Keep the cells served of a large notebook (and those kept of it before, for
        the same file state) within SLIM_CELLS and SLIM_BYTES."""
        signature = fresh.signature or (before.signature if before is not None else None)
        kept = Served(fresh.state, fresh.data, signature)
        for source in (before, fresh):
            if source is None:
                continue
            for key, cell in source.cells.items():
                if key in kept.cells or len(kept.cells) >= SLIM_CELLS:
                    continue
                size = len(orjson.dumps(cell)) if cell is not None else 0
                if kept.size + size > SLIM_BYTES:
                    continue
                kept.cells[key] = cell
                kept.size += size
        with self._lock:
            self._slim[os_path] = kept
            self._slim.move_to_end(os_path)
            while len(self._slim) > CACHE_ENTRIES or (
                len(self._slim) > 1 and sum(s.size for s in self._slim.values()) > SLIM_BYTES
            ):
                self._slim.popitem(last=False)

    def _file_lock(self, os_path: str) -> threading.Lock:
        with self._lock:
            lock = self._file_locks.get(os_path)
            if lock is None:
                if len(self._file_locks) > 4 * CACHE_ENTRIES:
                    self._file_locks = {p: lk for p, lk in self._file_locks.items() if lk.locked()}
                lock = self._file_locks[os_path] = threading.Lock()
            return lock


def _state(os_path: str) -> FileState | None:
    return notebook_state(os_path)
