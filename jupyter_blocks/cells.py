"""The live content of cells, read from their notebook files when served.

The index keeps sources (for search and references) but not outputs: an embed reads a
block's outputs from its file, through a small cache keyed by the file's state, so that
a 50-embed notebook reads each source notebook once.
"""

from __future__ import annotations

import os
import threading
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any

import nbformat
from nbformat.sign import NotebookNotary

from .notebook import Skip, load_notebook, read_bounded
from .refs import is_block_id
from .store import FileState

CACHE_ENTRIES = 16
CACHE_MAX_FILE = 32 * 2**20  # larger files are read for each request rather than kept


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


class NotebookReader:
    """Reads notebooks (thread-safe), keeping the last few in memory."""

    def __init__(self, max_size: int) -> None:
        self.max_size = max_size
        self._cache: OrderedDict[str, NotebookContent] = OrderedDict()
        self._lock = threading.Lock()

    def read(self, os_path: str) -> NotebookContent | None:
        """The notebook at ``os_path``, or None when it is gone or unreadable."""
        try:
            st = os.stat(os_path)
        except OSError:
            return None
        state = FileState(st.st_mtime_ns, st.st_size)
        with self._lock:
            cached = self._cache.get(os_path)
            if cached is not None and cached.state == state:
                self._cache.move_to_end(os_path)
                return cached
        try:
            nb = load_notebook(read_bounded(os_path, state.size, self.max_size))
        except Skip:
            return None
        cells: list[dict[str, Any]] = nb["cells"]
        by_id: dict[str, int] = {}
        for position, cell in enumerate(cells):
            cell_id = cell.get("id")
            if isinstance(cell_id, str) and is_block_id(cell_id):
                by_id.setdefault(cell_id, position)
        content = NotebookContent(state, cells, by_id, nb)
        if state.size <= CACHE_MAX_FILE:
            with self._lock:
                self._cache[os_path] = content
                while len(self._cache) > CACHE_ENTRIES:
                    self._cache.popitem(last=False)
        return content

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
