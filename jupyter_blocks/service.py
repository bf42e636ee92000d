"""The running index: a first scan in the background, then every change (from Jupyter's
contents events and from a file watcher) applied as it comes; and the reads the REST
handlers serve. All blocking work runs off the event loop: writes on one writer thread,
reads on a small pool.
"""

from __future__ import annotations

import asyncio
import contextlib
import ctypes
import logging
import os
import sys
import time
from collections.abc import AsyncIterator, Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Literal, TypeVar

from nbformat.sign import NotebookNotary
from watchfiles import Change as WatchChange
from watchfiles import awatch

from .cells import NotebookContent, NotebookReader
from .indexer import BATCH, WRITE_GRACE_NS, Batch, Change, Indexer, TreeRules, batched, read_ahead
from .notebook import normalize_path
from .refs import is_block_id
from .store import Backlink, Block, BlockStore, FileState, SearchResult
from .views import block_json

T = TypeVar("T")
State = Literal["starting", "indexing", "ready"]
Emit = Callable[[dict[str, Any]], None]

MAX_EVENT_IDS = 500  # past this, an event says "truncated" and clients refresh all
PROGRESS_EVERY = 0.5  # seconds between progress events during a scan
LIST_LIMIT = 500  # skipped files and duplicates listed in status


def _trim_heap() -> None:
    """Give back to the system the memory freed after a scan. glibc keeps what the
    parser thread freed in that thread's own heap (tens of MB after a large scan);
    malloc_trim releases it. Elsewhere there is nothing to do."""
    if not sys.platform.startswith("linux"):
        return
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL(None).malloc_trim(0)


class BlocksService:
    """The index of one server root, kept current, and its queries."""

    def __init__(
        self,
        *,
        store: BlockStore,
        rules: TreeRules,
        max_size: int,
        emit: Emit,
        notary: NotebookNotary | None = None,
        watch: bool = True,
        poll_interval: float = 60.0,
        search_budget_ms: int = 15,
        log: logging.Logger | None = None,
    ) -> None:
        self.store = store
        self.rules = rules
        self.log = log or logging.getLogger(__name__)
        self.indexer = Indexer(store, rules, max_size, self.log)
        self.reader = NotebookReader(max_size)
        self.notary = notary
        self.watch = watch
        self.poll_interval = poll_interval
        self.search_budget_ms = search_budget_ms
        self._emit = emit
        self.state: State = "starting"
        self.done = 0
        self.total = 0
        self._writer = ThreadPoolExecutor(1, thread_name_prefix="jupyter-blocks-writer")
        self._readers = ThreadPoolExecutor(4, thread_name_prefix="jupyter-blocks-reader")
        self._parser = ThreadPoolExecutor(1, thread_name_prefix="jupyter-blocks-parser")
        self._opened = asyncio.Event()
        self._wake = asyncio.Event()
        self._stop = asyncio.Event()
        # Ordered set of (source path of a rename or None, path) waiting to be applied.
        self._pending: dict[tuple[str | None, str], None] = {}
        self._in_flight = 0
        self._tasks: list[asyncio.Task[None]] = []
        self._event_loop: asyncio.AbstractEventLoop | None = None

    # -- lifecycle ---------------------------------------------------------------------
    async def start(self) -> None:
        """Open the store and start the first scan and the watcher (once)."""
        if self._event_loop is not None:
            return
        self._event_loop = asyncio.get_running_loop()
        await self._in_writer(self.store.open)
        self._opened.set()
        self._tasks = [
            asyncio.create_task(self._scan_then_watch(), name="jupyter-blocks-scan"),
            asyncio.create_task(self._consume(), name="jupyter-blocks-updates"),
        ]

    async def stop(self) -> None:
        self._stop.set()
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        if self._opened.is_set():
            with contextlib.suppress(Exception):
                await self._in_writer(self.store.close)
        self._writer.shutdown(wait=False, cancel_futures=True)
        self._readers.shutdown(wait=False, cancel_futures=True)
        self._parser.shutdown(wait=False, cancel_futures=True)

    # -- changes -----------------------------------------------------------------------
    def on_contents_event(self, data: dict[str, Any]) -> None:
        """A contents_service/v1 event: queue the paths it touched."""
        action, path = data.get("action"), data.get("path")
        if not isinstance(path, str) or action not in (
            "save",
            "create",
            "upload",
            "copy",
            "rename",
            "delete",
        ):
            return
        source = data.get("source_path") if action == "rename" else None
        self.enqueue(path, rename_from=source if isinstance(source, str) else None)

    def enqueue(self, path: str, rename_from: str | None = None) -> None:
        self._pending[(rename_from, path.strip("/"))] = None
        self._wake.set()

    async def _consume(self) -> None:
        while True:
            await self._wake.wait()
            self._wake.clear()
            items = list(self._pending)
            self._pending.clear()
            self._in_flight = len(items)
            try:
                stale, change = await self._in_writer(self._collect, items)
                self._emit_change(change)
                # Many notebooks at once (a git checkout, a folder moved in): in batches,
                # so that progress shows (pending counts down) and readers see each one.
                self._in_flight = len(stale)
                many = len(stale) > BATCH
                if many:
                    self._emit({"action": "progress", "done": 0, "total": len(stale)})
                async for batch in self._read_ahead(stale):
                    self._emit_change(await self._in_writer(self.indexer.write, batch))
                    self._in_flight -= len(batch.items)
                if many:
                    self._emit({"action": "progress", "done": len(stale), "total": len(stale)})
                self._recheck_deferred()
            except Exception:
                self.log.exception("jupyter-blocks could not apply changes to %s", items)
            finally:
                self._in_flight = 0

    async def _read_ahead(self, files: list[tuple[str, FileState]]) -> AsyncIterator[Batch]:
        """The notebooks in batches, each parsed while the one before is stored."""
        for future in read_ahead(self._parser, self.indexer.read, batched(files)):
            yield await asyncio.wrap_future(future)

    def _recheck_deferred(self) -> None:
        """Read again, once their writer is surely done, the notebooks found half written."""
        deferred, self.indexer.deferred = self.indexer.deferred, []
        for path in deferred:
            asyncio.get_running_loop().call_later(WRITE_GRACE_NS / 1e9 + 0.5, self.enqueue, path)

    def _collect(
        self, items: list[tuple[str | None, str]]
    ) -> tuple[list[tuple[str, FileState]], Change]:
        """Apply renames and removals now; return the notebooks to index (writer thread)."""
        change = Change()
        stale: dict[str, FileState] = {}
        for source, path in items:
            try:
                if source is not None:
                    change.update(self.indexer.rename(source, path))
                    continue
                found, removed = self.indexer.collect(path)
                change.update(removed)
                stale.update(found)
            except Exception:
                self.log.exception("jupyter-blocks could not index %s", path)
        return sorted(stale.items(), key=lambda item: (item[1].mtime_ns, item[0])), change

    async def _scan_then_watch(self) -> None:
        await self._scan()
        if self.watch:
            await self._watch()
        else:
            await self._poll()

    async def _scan(self) -> None:
        """Bring the index up to date with the whole tree, in batches (so that saves
        made meanwhile are applied between them, and progress is visible)."""
        self.state = "indexing"
        started = time.monotonic()
        stale, gone = await self._in_writer(self.indexer.plan)
        self.done, self.total = 0, len(stale)
        self._emit_progress()
        self._emit_change(await self._in_writer(self.indexer.remove, gone))
        last_progress = time.monotonic()
        bulk = await self._in_writer(self.indexer.bulk_for, stale)
        await self._in_writer(bulk.__enter__)
        try:
            async for batch in self._read_ahead(stale):
                self._emit_change(await self._in_writer(self.indexer.write, batch))
                self.done += len(batch.items)
                if time.monotonic() - last_progress >= PROGRESS_EVERY:
                    last_progress = time.monotonic()
                    self._emit_progress()
        finally:
            await self._in_writer(bulk.__exit__, None, None, None)
        self.state = "ready"
        self._emit({"action": "ready", "done": self.done, "total": self.total})
        await self._in_writer(self.store.settle)
        await self._in_writer(_trim_heap)
        self.log.info(
            "jupyter-blocks indexed %d changed notebooks under %s in %.1fs",
            self.total,
            self.rules.root,
            time.monotonic() - started,
        )

    async def _watch(self) -> None:
        root = self.rules.root
        try:
            async for changes in awatch(
                root,
                watch_filter=self._watch_filter,
                stop_event=self._stop,
                debounce=200,
                step=50,
                recursive=True,
                ignore_permission_denied=True,
            ):
                for _, os_path in changes:
                    self.enqueue(self._relative(os_path))
        except Exception as error:
            self.log.warning(
                "jupyter-blocks cannot watch %s for changes (%s); checking every %.0fs",
                root,
                error,
                self.poll_interval,
            )
            await self._poll()

    def _relative(self, os_path: str) -> str:
        return os.path.relpath(os_path, self.rules.root).replace(os.sep, "/")

    def _watch_filter(self, change: WatchChange, os_path: str) -> bool:
        rel = self._relative(os_path)
        if any(self.rules.hides(part) for part in rel.split("/")):
            return False
        # Notebooks, and folders (a folder moved or deleted carries its notebooks).
        return os_path.endswith(".ipynb") or not os.path.isfile(os_path)

    async def _poll(self) -> None:
        while not self._stop.is_set():
            with contextlib.suppress(asyncio.TimeoutError):
                await asyncio.wait_for(self._stop.wait(), self.poll_interval)
            if not self._stop.is_set():
                self.enqueue("")

    # -- events ------------------------------------------------------------------------
    def _emit_progress(self) -> None:
        self._emit({"action": "progress", "done": self.done, "total": self.total})

    def _emit_change(self, change: Change) -> None:
        if not change:
            return
        ids = sorted(change.ids)
        self._emit(
            {
                "action": "changed",
                "paths": sorted(change.paths)[:MAX_EVENT_IDS],
                "ids": ids[:MAX_EVENT_IDS],
                "truncated": len(ids) > MAX_EVENT_IDS or len(change.paths) > MAX_EVENT_IDS,
            }
        )

    # -- reads -------------------------------------------------------------------------
    async def status(self) -> dict[str, Any]:
        # Where indexing stands is taken before the counts are read, so that "ready"
        # with nothing pending never comes with counts from before the last batch.
        state, done, total = self.state, self.done, self.total
        pending = len(self._pending) + self._in_flight + (total - done)
        counts, skipped, duplicates = await asyncio.gather(
            self._read(self.store.counts),
            self._read(self.store.skipped),
            self._read(self.store.duplicates, LIST_LIMIT),
        )
        return {
            "state": state,
            "notebooks": counts.notebooks,
            "blocks": counts.blocks,
            "references": counts.references,
            "pending": pending,
            "progress": {"done": done, "total": total},
            "skipped": [{"path": p, "reason": r} for p, r in skipped[:LIST_LIMIT]],
            "skipped_total": len(skipped),
            "duplicates": [
                {"path": d.path, "original": d.original, "count": d.count} for d in duplicates
            ],
        }

    async def resolve(self, ids: list[str]) -> dict[str, dict[str, Any] | None]:
        """Every id's block as served (None when unknown), in one pass."""
        valid = [i for i in ids if is_block_id(i)]
        blocks = await self._read(self.store.get_blocks, valid) if valid else {}
        served = await self._read(self._with_content, list(blocks.values()))
        result: dict[str, dict[str, Any] | None] = dict.fromkeys(ids)
        trust: dict[str | None, bool] = {}
        for item in served:
            signature = item.pop("_signature")
            if signature not in trust:
                trust[signature] = self._is_trusted(signature)
            item["trusted"] = trust[signature]
            result[item["id"]] = item
        return result

    async def block(self, block_id: str) -> dict[str, Any] | None:
        return (await self.resolve([block_id]))[block_id]

    async def sync(self, path: str) -> None:
        """Bring one notebook up to date in the index now (after our own write, so that
        the id just handed out resolves at once)."""
        await self._opened.wait()
        self._emit_change(await self._in_writer(self.indexer.refresh, path))

    async def ids_resolving_elsewhere(self, path: str) -> set[str]:
        return await self._read(self.store.ids_resolving_elsewhere, path)

    async def copies_of(self, path: str) -> list[str]:
        """Notebooks holding copies of ids that ``path`` holds first."""
        duplicates = await self._read(self.store.duplicates, LIST_LIMIT)
        return sorted({d.path for d in duplicates if d.original == path and d.path != path})

    async def search(self, query: str, limit: int) -> SearchResult:
        return await self._read(self.store.search, query, limit, self.search_budget_ms)

    async def backlinks(self, block_id: str) -> list[Backlink]:
        return await self._read(self.store.backlinks, block_id)

    async def notebook_backlinks(self, path: str) -> list[Backlink] | None:
        """Backlinks of a notebook, or None when the index does not hold it."""
        path = normalize_path(path)

        def query() -> list[Backlink] | None:
            if self.store.file_state(path) is None:
                return None
            targets = [path]
            name = path.rsplit("/", 1)[-1]
            if name != path and self.store.notebook_paths_named(name) == [path]:
                targets.append(name)  # a bare [[name.ipynb]] that only this one answers
            return self.store.notebook_backlinks(path, targets)

        return await self._read(query)

    async def resolve_notebook_link(self, target: str) -> tuple[str | None, str]:
        return await self._read(self.store.resolve_notebook_link, normalize_path(target))

    async def backlink_counts(self, path: str) -> dict[str, int] | None:
        """How many blocks reference each block of a notebook (None when not indexed)."""
        path = normalize_path(path)

        def query() -> dict[str, int] | None:
            if self.store.file_state(path) is None:
                return None
            return self.store.backlink_counts(path)

        return await self._read(query)

    def _with_content(self, blocks: list[Block]) -> list[dict[str, Any]]:
        """Blocks as served, with outputs read from their files (reader thread)."""
        served: list[dict[str, Any]] = []
        for block in blocks:
            content: NotebookContent | None = None
            if not block.deleted:
                if not self.rules.allows(block.path):
                    # The file was hidden or swapped for a symlink out of the root since
                    # it was indexed: serve nothing from it, and let the index catch up.
                    self._loop_call(self.enqueue, block.path)
                    continue
                content = self.reader.read(self.rules.os_path(block.path))
            cell = content.cell(block.id, block.index) if content else None
            signature = (
                self.reader.signature(content, self.notary)
                if content is not None and self.notary is not None
                else None
            )
            served.append(block_json(block, cell, signature, content.data if content else None))
        return served

    def _is_trusted(self, signature: str | None) -> bool:
        """Whether this user trusts the notebook, by Jupyter's own signatures (never a
        flag read from the file). Asked each time: the user may trust a notebook at any
        moment without changing it. Runs on the event loop, which owns the notary's DB."""
        if not signature or self.notary is None:
            return False
        try:
            return bool(self.notary.store.check_signature(signature, self.notary.algorithm))
        except Exception:
            return False

    # -- threads -----------------------------------------------------------------------
    async def _in_writer(self, fn: Callable[..., T], *args: Any) -> T:
        return await asyncio.get_running_loop().run_in_executor(self._writer, fn, *args)

    async def _read(self, fn: Callable[..., T], *args: Any) -> T:
        await self._opened.wait()
        return await asyncio.get_running_loop().run_in_executor(self._readers, fn, *args)

    def _loop_call(self, fn: Callable[..., Any], *args: Any) -> None:
        """Run ``fn`` on the event loop (from a worker thread)."""
        if self._event_loop is not None:
            with contextlib.suppress(RuntimeError):
                self._event_loop.call_soon_threadsafe(fn, *args)
