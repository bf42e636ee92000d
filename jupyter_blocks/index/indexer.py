"""Keeping the store equal to the notebooks on disk: walking the tree, and (re)indexing
what changed. Everything here is blocking and runs on the service's writer thread.
"""

from __future__ import annotations

import contextlib
import functools
import logging
import os
import posixpath
import time
from collections import deque
from collections.abc import Callable, Generator, Iterator
from concurrent.futures import Executor, Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import TypeVar

from ..notebooks.notebook import Skip, notebook_state
from ..notebooks.textnotebooks import NotANotebook, PairedText, is_notebook_name
from ..store import BlockStore, FileState, NotebookRow, StoreFull
from .parse_process import ParseProcess, cores
from .reading import Batch, read_batch, read_one
from .tree import TreeRules, storable

T = TypeVar("T")
R = TypeVar("R")
BATCH = 64  # notebooks per write transaction during a scan
WRITE_GRACE_NS = 2 * 10**9  # a notebook modified this recently may be half written


def batched(files: list[tuple[str, FileState]]) -> list[list[tuple[str, FileState]]]:
    return [files[start : start + BATCH] for start in range(0, len(files), BATCH)]


def read_ahead(
    submit: Callable[[T], Future[R]], items: list[T], depth: int = 2
) -> Iterator[Future[R]]:
    """``submit`` of each item, in order, with up to ``depth`` items submitted ahead:
    parsing then runs while the writer stores (SQLite, which releases the GIL, or
    PostgreSQL, which is another process), so both cores work during a scan."""
    queue: deque[Future[R]] = deque()
    upcoming = iter(items)
    for item in upcoming:
        queue.append(submit(item))
        if len(queue) >= depth:
            break
    while queue:
        yield queue.popleft()
        following = next(upcoming, None)
        if following is not None:
            queue.append(submit(following))


def new_scan() -> int:
    """A number for a scan, growing with time."""
    return time.time_ns()


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
        # Whether a bulk read may run in a child process (``read_ahead``).
        self.parse_in_child = True
        # Notebooks left alone because they were being written: to read again later.
        self.deferred: list[str] = []
        # Notebooks the store had no room for (path -> why), to try again later.
        self.unstored: dict[str, str] = {}
        # Text files read and found not to be notebooks (a .py module, a README.md), or
        # the text half of a pair, at the state they were read: not read again until
        # they change.
        self.ignored: dict[str, FileState] = {}

    def plan(self, under: str = "") -> tuple[list[tuple[str, FileState]], list[str]]:
        """What differs between the files under ``under`` and the index: the files to
        (re)index, oldest first (so an original is indexed before its copies), and the
        paths the index holds that are gone."""
        on_disk = dict(self.rules.walk(under))
        known = self.store.file_states()
        if under:
            prefix = storable(under).rstrip("/") + "/"
            known = {p: s for p, s in known.items() if p.startswith(prefix)}
        stale = [
            (p, s)
            for p, s in on_disk.items()
            if known.get(storable(p)) != s and self.ignored.get(p) != s
        ]
        stale.sort(key=lambda item: (item[1].mtime_ns, storable(item[0])))
        held = {storable(p) for p in on_disk}
        gone = sorted(p for p in known if p not in held)
        return stale, gone

    def read(self, files: list[tuple[str, FileState]], scan: int = 0) -> Batch:
        """Read and parse these notebooks (no store access: any thread may run this, so
        that the next batch is parsed while the writer stores this one)."""
        return read_batch(self.rules, self.max_size, files, scan, self.store.prepare, self.log)

    def _read_one(self, path: str, state: FileState) -> NotebookRow | Skip:
        return read_one(self.rules, self.max_size, path, state, self.log)

    def read_ahead(
        self, files: list[tuple[str, FileState]], scan: int, parser: Executor
    ) -> Generator[Future[Batch], None, None]:
        """These notebooks read in batches, in order, each while the one before is
        stored: by a child process (``parse_process``) when there are several batches and
        the machine has a core to spare, else on ``parser`` (a thread)."""
        batches = batched(files)
        if len(batches) > 1 and self.parse_in_child and cores() >= 2:
            prepare = self.store.prepare
            with ParseProcess(self.rules, self.max_size, parser, prepare, self.log) as child:
                yield from read_ahead(lambda batch: child.submit(batch, scan), batches)
        else:
            read = functools.partial(self.read, scan=scan)
            yield from read_ahead(lambda batch: parser.submit(read, batch), batches)

    def write(self, batch: Batch) -> Change:
        """Write a batch read earlier (writer thread). A notebook changed since it was
        read is read again first, so that a save applied meanwhile is never undone. A
        notebook the store cannot take is skipped with the reason, or kept in
        ``unstored`` when the store is full; a fault of the store itself is raised."""
        change = Change()
        rows: list[tuple[NotebookRow, FileState]] = []
        partners: list[str] = []
        for path, state, result in batch.items:
            now = self._state_on_disk(path)
            if now is None:
                self.unstored.pop(path, None)
                continue  # gone: the event of its removal removes it from the index
            if now != state:
                state, result = now, self._read_one(path, now)
            if isinstance(result, (NotANotebook, PairedText)):
                # Not a notebook of its own: nothing stored (what was is removed).
                self.ignored[path] = state
                if self._known(path):
                    change.update(self.remove([storable(path)]))
                if isinstance(result, PairedText):
                    partners.append(posixpath.join(posixpath.dirname(path), result.notebook))
                continue
            self.ignored.pop(path, None)
            if isinstance(result, NotebookRow):
                result.scan = batch.scan
                rows.append((result, state))
            elif self._being_written(path, state, result):
                self.deferred.append(path)
            else:
                self.log.info("jupyter-blocks skipped %s: %s", storable(path), result)
                self._put_skipped(path, state, str(result), change)
        if rows:
            self._put_rows(rows, change)
        for partner in partners:  # its text changed: the pair is read again
            change.update(self.refresh(partner))
        return change

    def _known(self, path: str) -> bool:
        return self.store.file_state(storable(path)) is not None

    def _put_rows(self, rows: list[tuple[NotebookRow, FileState]], change: Change) -> None:
        try:
            change.ids.update(self.store.put_notebooks([row for row, _ in rows]))
        except Exception as error:
            if not self._tolerable(error):
                raise
            if len(rows) > 1:  # find the one that does not fit; store the others
                for one in rows:
                    self._put_rows([one], change)
                return
            row, state = rows[0]
            if isinstance(self.store.fault(error), StoreFull):
                self._unstored(row.path, error)
            else:
                self.log.exception("jupyter-blocks could not store %s", storable(row.path))
                self._put_skipped(row.path, state, f"could not be stored: {error}", change)
            return
        for row, _ in rows:
            self.unstored.pop(row.path, None)
            change.paths.add(row.path)

    def _put_skipped(self, path: str, state: FileState, reason: str, change: Change) -> None:
        try:
            self.store.put_skipped(storable(path), state, reason)
        except Exception as error:
            if not self._tolerable(error):
                raise
            if isinstance(self.store.fault(error), StoreFull):
                self._unstored(path, error)
            else:
                self.log.exception("jupyter-blocks could not record %s", storable(path))
            return
        self.unstored.pop(path, None)
        change.paths.add(storable(path))

    def _tolerable(self, error: Exception) -> bool:
        """Whether a failed write concerns one notebook (its data, or no room for it)
        rather than the whole store (damaged, unreachable, locked)."""
        fault = self.store.fault(error)
        return fault is None or isinstance(fault, StoreFull)

    def _unstored(self, path: str, error: Exception) -> None:
        if path not in self.unstored:
            self.log.warning("jupyter-blocks: no room to index %s: %s", storable(path), error)
        self.unstored[path] = (
            f"not indexed yet: {self.store.fault(error)}; tried again every few seconds"
        )

    def index(self, files: list[tuple[str, FileState]]) -> Change:
        """Read and store these notebooks (a skipped one is recorded with its reason)."""
        return self.write(self.read(files))

    def _state_on_disk(self, path: str) -> FileState | None:
        return notebook_state(self.rules.os_path(path))

    def _being_written(self, path: str, state: FileState, skip: Skip) -> bool:
        """Whether an indexed notebook that reads as broken is most likely being written
        right now (Jupyter saves rewrite the file in place): it keeps its blocks, and the
        write's own events bring the next read."""
        if not str(skip).startswith(("not valid JSON", "empty file")):
            return False
        recent = time.time_ns() - state.mtime_ns < WRITE_GRACE_NS
        return recent and self.store.file_state(storable(path)) is not None

    def index_all(
        self, files: list[tuple[str, FileState]], progress: Callable[[int], None] | None = None
    ) -> Change:
        """Index many notebooks in batches (the command line's scan; the server runs the
        same steps one batch at a time so that saves interleave)."""
        change = Change()
        with self.bulk_for(files), ThreadPoolExecutor(1, "jupyter-blocks-parser") as parser:
            for files_read in self.read_ahead(files, new_scan(), parser):
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
        real = self.rules.canonical(path)
        if real != path:
            # Reached through a symbolic link (a save through a linked folder, a linked
            # notebook): the notebook is indexed under its own path, never the link's.
            stale, change = self.collect(real) if is_notebook_name(real) else ([], Change())
            change.update(self.remove(self._known_under(path)))
            return stale, change
        if path and not self.rules.allows(path):
            # Hidden now (or never allowed): whatever the index holds there goes.
            return [], self.remove(self._known_under(path))
        os_path = self.rules.os_path(path)
        if os.path.isdir(os_path):
            stale, gone = self.plan(path)
            return stale, self.remove(gone)
        state = self._state_on_disk(path) if is_notebook_name(path) else None
        if state is not None and os.path.isfile(os_path):
            if self.store.file_state(storable(path)) == state or self.ignored.get(path) == state:
                return [], Change()
            return [(path, state)], Change()
        return [], self.remove(self._known_under(path))

    def rename(self, old: str, new: str) -> Change:
        """A move reported by Jupyter: blocks keep their identity and first-seen order."""
        old, new = old.strip("/"), new.strip("/")
        movable = self.rules.allows(new) and storable(new) == new and storable(old) == old
        moved = self.store.rename_notebook(old, new) if movable else 0
        change = Change({old, new}, set())
        if not moved:
            change.update(self.refresh(old))
        change.update(self.refresh(new))
        return change

    def _known_under(self, path: str) -> list[str]:
        return self.store.paths_under(storable(path)) if path else list(self.store.file_states())
