"""Keeping the store equal to the notebooks on disk: walking the tree, and (re)indexing
what changed. Everything here is blocking and runs on the service's writer thread.
"""

from __future__ import annotations

import contextlib
import fnmatch
import logging
import os
import time
from collections import deque
from collections.abc import Callable, Iterator
from concurrent.futures import Executor, Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import TypeVar

from .notebook import Skip, read_notebook_file
from .store import BlockStore, FileState, NotebookRow

# Folders never indexed, even when hidden files are allowed: tool caches, version
# control, dependencies. Virtual environments are recognised by their pyvenv.cfg.
ALWAYS_SKIPPED = frozenset(
    {
        ".ipynb_checkpoints",
        ".git",
        ".hg",
        ".svn",
        ".venv",
        ".tox",
        ".nox",
        ".mypy_cache",
        ".pytest_cache",
        ".ruff_cache",
        ".Trash",
        "__pycache__",
        "node_modules",
        "site-packages",
    }
)
T = TypeVar("T")
R = TypeVar("R")
BATCH = 64  # notebooks per write transaction during a scan
WRITE_GRACE_NS = 2 * 10**9  # a notebook modified this recently may be half written


def batched(files: list[tuple[str, FileState]]) -> list[list[tuple[str, FileState]]]:
    return [files[start : start + BATCH] for start in range(0, len(files), BATCH)]


def read_ahead(
    executor: Executor, read: Callable[[T], R], items: list[T], depth: int = 2
) -> Iterator[Future[R]]:
    """``read`` of each item, in order, with up to ``depth`` items read ahead on
    ``executor``: parsing (Python) then runs while the writer stores (SQLite, which
    releases the GIL), so both cores work during a scan."""
    queue: deque[Future[R]] = deque()
    upcoming = iter(items)
    for item in upcoming:
        queue.append(executor.submit(read, item))
        if len(queue) >= depth:
            break
    while queue:
        yield queue.popleft()
        following = next(upcoming, None)
        if following is not None:
            queue.append(executor.submit(read, following))


@dataclass
class Batch:
    """Notebooks read from disk: each with the state it was read at, and its row or
    the reason it is skipped."""

    items: list[tuple[str, FileState, NotebookRow | Skip]]


@dataclass
class Change:
    """What an indexing step changed: notebook paths and block ids."""

    paths: set[str] = field(default_factory=set)
    ids: set[str] = field(default_factory=set)

    def __bool__(self) -> bool:
        return bool(self.paths or self.ids)

    def update(self, other: Change) -> None:
        self.paths |= other.paths
        self.ids |= other.ids


@dataclass(frozen=True)
class TreeRules:
    """Which files under the root are notebooks the server would serve."""

    root: str
    allow_hidden: bool = False
    hide_globs: tuple[str, ...] = ()

    def hides(self, name: str) -> bool:
        if name in ALWAYS_SKIPPED:
            return True
        if name.startswith(".") and not self.allow_hidden:
            return True
        return any(fnmatch.fnmatch(name, glob) for glob in self.hide_globs)

    def os_path(self, path: str) -> str:
        return os.path.join(self.root, *path.split("/")) if path else self.root

    def allows(self, path: str) -> bool:
        """Whether a root-relative path may be indexed: no hidden part, and no symlink
        leading out of the root."""
        parts = path.split("/")
        if not path or any(p in ("", ".", "..") or self.hides(p) for p in parts):
            return False
        real = os.path.realpath(self.os_path(path))
        root = os.path.realpath(self.root)
        return real == root or real.startswith(root.rstrip(os.sep) + os.sep)

    def walk(self, under: str = "") -> Iterator[tuple[str, FileState]]:
        """Every notebook under ``under`` (root-relative), with its state. Symlinked
        folders are not followed (no loops, no escape); symlinked files are indexed
        only when they point inside the root."""
        stack = [under]
        while stack:
            rel_dir = stack.pop()
            try:
                entries = list(os.scandir(self.os_path(rel_dir)))
            except OSError:
                continue
            for entry in entries:
                name = entry.name
                if self.hides(name):
                    continue
                rel = f"{rel_dir}/{name}" if rel_dir else name
                try:
                    if entry.is_dir(follow_symlinks=False):
                        if not os.path.exists(os.path.join(entry.path, "pyvenv.cfg")):
                            stack.append(rel)
                        continue
                    if not name.endswith(".ipynb"):
                        continue
                    if entry.is_symlink() and not self.allows(rel):
                        continue
                    if not entry.is_file():
                        continue
                    st = entry.stat()
                except OSError:
                    continue
                yield rel, FileState(st.st_mtime_ns, st.st_size)


class Indexer:
    """Reads notebooks and writes what they hold to the store."""

    def __init__(
        self,
        store: BlockStore,
        rules: TreeRules,
        max_size: int,
        log: logging.Logger | None = None,
    ) -> None:
        self.store = store
        self.rules = rules
        self.max_size = max_size
        self.log = log or logging.getLogger(__name__)
        # Notebooks left alone because they were being written: to read again later.
        self.deferred: list[str] = []

    def plan(self, under: str = "") -> tuple[list[tuple[str, FileState]], list[str]]:
        """What differs between the files under ``under`` and the index: the files to
        (re)index, oldest first (so an original is indexed before its copies), and the
        paths the index holds that are gone."""
        on_disk = dict(self.rules.walk(under))
        known = self.store.file_states()
        if under:
            prefix = under.rstrip("/") + "/"
            known = {p: s for p, s in known.items() if p.startswith(prefix)}
        stale = [(p, s) for p, s in on_disk.items() if known.get(p) != s]
        stale.sort(key=lambda item: (item[1].mtime_ns, item[0]))
        gone = sorted(p for p in known if p not in on_disk)
        return stale, gone

    def read(self, files: list[tuple[str, FileState]]) -> Batch:
        """Read and parse these notebooks (no store access: any thread may run this, so
        that the next batch is parsed while the writer stores this one)."""
        return Batch([(path, state, self._read_one(path, state)) for path, state in files])

    def _read_one(self, path: str, state: FileState) -> NotebookRow | Skip:
        try:
            return read_notebook_file(self.rules.os_path(path), path, state, self.max_size)
        except Skip as skip:
            return skip

    def write(self, batch: Batch) -> Change:
        """Write a batch read earlier (writer thread). A notebook changed since it was
        read is read again first, so that a save applied meanwhile is never undone."""
        change = Change()
        rows: list[NotebookRow] = []
        for path, state, result in batch.items:
            now = self._state_on_disk(path)
            if now is None:
                continue  # gone: the event of its removal removes it from the index
            if now != state:
                state, result = now, self._read_one(path, now)
            if isinstance(result, NotebookRow):
                rows.append(result)
            elif self._being_written(path, state, result):
                self.deferred.append(path)
            else:
                self.log.info("jupyter-blocks skipped %s: %s", path, result)
                self.store.put_skipped(path, state, str(result))
                change.paths.add(path)
        if rows:
            change.ids.update(self.store.put_notebooks(rows))
            change.paths.update(row.path for row in rows)
        return change

    def index(self, files: list[tuple[str, FileState]]) -> Change:
        """Read and store these notebooks (a skipped one is recorded with its reason)."""
        return self.write(self.read(files))

    def _state_on_disk(self, path: str) -> FileState | None:
        try:
            st = os.stat(self.rules.os_path(path))
        except OSError:
            return None
        return FileState(st.st_mtime_ns, st.st_size)

    def _being_written(self, path: str, state: FileState, skip: Skip) -> bool:
        """Whether an indexed notebook that reads as broken is most likely being written
        right now (Jupyter saves rewrite the file in place): it keeps its blocks, and the
        write's own events bring the next read."""
        if not str(skip).startswith(("not valid JSON", "empty file")):
            return False
        recent = time.time_ns() - state.mtime_ns < WRITE_GRACE_NS
        return recent and self.store.file_state(path) is not None

    def index_all(
        self, files: list[tuple[str, FileState]], progress: Callable[[int], None] | None = None
    ) -> Change:
        """Index many notebooks in batches (the command line's scan; the server runs the
        same steps one batch at a time so that saves interleave)."""
        change = Change()
        batches = batched(files)
        with self.bulk_for(files), ThreadPoolExecutor(1, "jupyter-blocks-parser") as parser:
            for files_read in read_ahead(parser, self.read, batches):
                batch = files_read.result()
                change.update(self.write(batch))
                if progress is not None:
                    progress(len(batch.items))
        return change

    def bulk_for(
        self, files: list[tuple[str, FileState]]
    ) -> contextlib.AbstractContextManager[None]:
        """A bulk load when there are several batches to write (a cold scan, a big
        checkout), which the store may tune for."""
        return self.store.bulk() if len(files) > BATCH else contextlib.nullcontext()

    def remove(self, paths: list[str]) -> Change:
        if not paths:
            return Change()
        return Change(set(paths), set(self.store.remove_notebooks(paths)))

    def refresh(self, path: str) -> Change:
        """Bring one path up to date now: a notebook, a folder, or something now gone."""
        stale, change = self.collect(path)
        for batch in batched(stale):
            change.update(self.index(batch))
        return change

    def collect(self, path: str) -> tuple[list[tuple[str, FileState]], Change]:
        """What a path needs: the notebooks to (re)index there, oldest first, and the
        removals (already applied) of what is gone or now hidden."""
        path = path.strip("/")
        if path and not self.rules.allows(path):
            # Hidden now (or never allowed): whatever the index holds there goes.
            return [], self.remove(self._known_under(path))
        os_path = self.rules.os_path(path)
        if os.path.isdir(os_path):
            stale, gone = self.plan(path)
            return stale, self.remove(gone)
        if path.endswith(".ipynb") and os.path.isfile(os_path):
            st = os.stat(os_path)
            state = FileState(st.st_mtime_ns, st.st_size)
            if self.store.file_state(path) == state:
                return [], Change()
            return [(path, state)], Change()
        return [], self.remove(self._known_under(path))

    def rename(self, old: str, new: str) -> Change:
        """A move reported by Jupyter: blocks keep their identity and first-seen order."""
        old, new = old.strip("/"), new.strip("/")
        moved = self.store.rename_notebook(old, new) if self.rules.allows(new) else 0
        change = Change({old, new}, set())
        if not moved:
            change.update(self.refresh(old))
        change.update(self.refresh(new))
        return change

    def _known_under(self, path: str) -> list[str]:
        return self.store.paths_under(path) if path else list(self.store.file_states())
