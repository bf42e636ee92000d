"""Keeping the index equal to the notebooks, whatever happens to it: one worker opens
the store, scans the root, then applies every change as it comes (from Jupyter's
contents events, the file watcher, and the change log of other servers sharing the
index). When the index fails, the worker recovers:

- damaged, truncated or deleted (``StoreCorrupt``): it is set aside and rebuilt from
  the notebooks while the server keeps serving;
- unreachable or unusable (``StoreUnavailable``): requests answer 503 with the reason,
  and opening it is tried again, more and more rarely (up to RETRY_MAX seconds);
- full (``StoreFull``): the notebooks that do not fit wait in ``Indexer.unstored``
  (shown in status) and are tried again every RETRY_UNSTORED seconds;
- locked (``StoreBusy``): the step is tried again after a pause.

Nothing here depends on the store's engine. A change missed while the store failed is
never lost: every recovery ends with a scan of the whole root. When several servers
share the index (PostgresStore), the store gives the turn to scan to one of them; the
others serve at once, ask again every few seconds (to take over if the scanning one
dies), and are woken by the store as soon as another server wrote.
"""

from __future__ import annotations

import asyncio
import contextlib
import ctypes
import logging
import sys
import time
from collections.abc import AsyncIterator, Callable
from typing import Any, Literal

from ..store import FileState, StoreBusy, StoreCorrupt, StoreError, StoreFull
from .guard import StoreGuard
from .indexer import (
    BATCH,
    WRITE_GRACE_NS,
    Batch,
    Change,
    Indexer,
    new_scan,
)

State = Literal["starting", "indexing", "ready", "unavailable"]
Emit = Callable[[dict[str, Any]], None]

PROGRESS_EVERY = 0.5  # seconds between progress events during a scan
TICK = 0.5  # seconds between two looks at the change log of other servers
PROBE_EVERY = 2.0  # seconds between two checks that the index is still there
RETRY_UNSTORED = 5.0  # seconds between two tries of notebooks the store had no room for
RETRY_MIN, RETRY_MAX = 1.0, 30.0  # pauses before opening a failed store again


class Upkeep:
    """The indexing worker of one server root."""

    def __init__(
        self,
        guard: StoreGuard,
        indexer: Indexer,
        parser: Any,
        emit_change: Callable[[Change, bool], None],
        emit: Emit,
        log: logging.Logger,
        after_scan: Callable[[], None],
    ) -> None:
        self.guard = guard
        self.store = guard.store
        self.indexer = indexer
        self._parser = parser
        self._emit_change = emit_change
        self._emit = emit
        self.log = log
        self._after_scan = after_scan
        self.state: State = "starting"
        self.reason: str | None = None
        self.done = 0
        self.total = 0
        self.scanned = asyncio.Event()  # the first scan is over (the watcher starts then)
        self._wake = asyncio.Event()
        # Ordered set of (source path of a rename or None, path) waiting to be applied.
        self._pending: dict[tuple[str | None, str], None] = {}
        self._in_flight = 0
        self._fault: StoreError | None = None  # met by a request, for the worker
        self._cursor = 0
        self._warned: str | None = None
        self._rebuild = False  # the index was set aside: the next scan refills it
        self._elsewhere = False  # another server has the turn to scan the index

    # -- what others tell it ---------------------------------------------------------
    def enqueue(self, path: str, rename_from: str | None = None) -> None:
        self._pending[(rename_from, path.strip("/"))] = None
        self._wake.set()

    def report(self, fault: StoreError) -> None:
        """A request met a fault of the index: stop using it until the worker recovers
        (a busy or full store stays in use)."""
        if isinstance(fault, (StoreBusy, StoreFull)):
            return
        self.guard.usable = False
        self.guard.reason = self.guard.describe(fault)
        self._fault = fault
        self._wake.set()

    @property
    def pending(self) -> int:
        return len(self._pending) + self._in_flight + (self.total - self.done)

    # -- the worker --------------------------------------------------------------------
    async def run(self) -> None:
        loop = asyncio.get_running_loop()

        def wake() -> None:  # from the store's thread
            loop.call_soon_threadsafe(self._wake.set)

        self.store.on_change(wake)
        pause = RETRY_MIN
        while True:
            try:
                await self._open()
                pause = RETRY_MIN
                await self._scan()
                await self._follow()
            except asyncio.CancelledError:
                raise
            except StoreError as fault:
                pause = await self._recover(fault, pause)
            except Exception:
                self.log.exception(
                    "jupyter-blocks: indexing stopped on an unexpected error; "
                    "starting again in %.0f s",
                    pause,
                )
                await asyncio.sleep(pause)
                pause = min(pause * 2, RETRY_MAX)

    async def _open(self) -> None:
        if self.guard.usable or self.guard.rebuilding:
            return
        try:
            await self.guard.write(self.store.open)
        except StoreCorrupt as fault:
            await self._set_aside(fault)
            await self.guard.write(self.store.open)
        # A store that opens but cannot be written (a read-only or immutable file) is
        # not usable: found now, it keeps its longer pauses instead of flapping.
        await self.guard.write(self.store.check_writable)
        self._cursor = await self.guard.write(self.store.change_cursor)
        self._works_again()
        if self._rebuild:
            # Answers stay 503 (with the reason) until the new index holds everything.
            self.guard.rebuilding = True
        else:
            self.guard.usable, self.guard.reason = True, None
        self.guard.opened.set()

    def _works_again(self) -> None:
        if self._warned is not None:
            self.log.warning("jupyter-blocks: the index at %s works again", self.store.location)
            self._warned = None

    async def _recover(self, fault: StoreError, pause: float) -> float:
        """Answer a fault of the store; returns the pause before the next retry."""
        self._fault = None
        if isinstance(fault, (StoreBusy, StoreFull)):
            self.log.warning("jupyter-blocks: %s; trying again in %.0f s", fault, pause)
            await asyncio.sleep(pause)
            return min(pause * 2, RETRY_MAX)
        self.guard.usable = self.guard.rebuilding = False
        self.guard.reason = self.guard.describe(fault)
        self.guard.opened.set()  # requests answer at once from now on, with the reason
        if not isinstance(fault, StoreCorrupt):
            # Said before the close below, which waits for the writer: a database that
            # stopped answering holds the writer until it answers again.
            self.state, self.reason = "unavailable", self.guard.reason
        with contextlib.suppress(Exception):
            await self.guard.write(self.store.close)
        if isinstance(fault, StoreCorrupt):
            self.state, self.reason = "indexing", self.guard.reason
            try:
                await self._set_aside(fault)
            except StoreError as error:
                return await self._recover(error, pause)
            return RETRY_MIN
        self.state, self.reason = "unavailable", self.guard.reason
        if self._warned != str(fault):
            self.log.warning("jupyter-blocks: %s", self.guard.reason)
            self._warned = str(fault)
        await asyncio.sleep(pause)
        return min(pause * 2, RETRY_MAX)

    async def _set_aside(self, fault: StoreCorrupt) -> None:
        self.state, self.reason = "indexing", self.guard.describe(fault)
        self.guard.reason, self.guard.usable, self._rebuild = self.reason, False, True
        where = await self.guard.write(self.store.set_aside, str(fault))
        self.log.warning(
            "jupyter-blocks: %s; %s, and the index is rebuilt from the notebooks",
            fault,
            f"the file was set aside as {where}" if where else "nothing was left to set aside",
        )

    async def _scan(self) -> None:
        """Bring the index up to date with the whole tree, in batches (so that saves
        made meanwhile are applied between them, and progress is visible); or, when
        another server has the turn to scan a shared index, serve from it meanwhile."""
        self.state = "indexing"
        if not await self.guard.write(self.store.claim_scan):
            self._elsewhere = True
            self.scanned.set()  # changes on this machine still reach the index
            if await self.guard.write(self.store.scan_elsewhere) is not None:
                self.log.info(
                    "jupyter-blocks: another server is indexing %s; serving from it meanwhile",
                    self.store.location,
                )
            await self._watch_elsewhere()
            return
        self._elsewhere = False
        started = time.monotonic()
        self._pending.pop((None, ""), None)  # this is the check of the whole root
        stale, gone = await self.guard.write(self.indexer.plan)
        self.done, self.total = 0, len(stale)
        self._emit_progress()
        self._emit_change(await self.guard.write(self.indexer.remove, gone), False)
        last_progress = time.monotonic()
        bulk = await self.guard.write(self.indexer.bulk_for, stale)
        await self.guard.write(bulk.__enter__)
        try:
            async for batch in self._read_ahead(stale, new_scan()):
                self._emit_change(await self.guard.write(self.indexer.write, batch), False)
                self.done += len(batch.items)
                await self.guard.write(self.store.scan_progress, self.done, self.total)
                if time.monotonic() - last_progress >= PROGRESS_EVERY:
                    last_progress = time.monotonic()
                    self._emit_progress()
                if self._fault is not None:
                    raise self._fault
                if self._pending:
                    await self._apply_pending()
        finally:
            with contextlib.suppress(Exception):
                await self.guard.write(bulk.__exit__, None, None, None)
            self.done = self.total
        await self.guard.write(self.store.finish_scan)
        self._ready()
        await self.guard.write(self.store.settle)
        self._after_scan()
        self.log.info(
            "jupyter-blocks indexed %d changed notebooks under %s in %.1fs",
            self.total,
            self.indexer.rules.root,
            time.monotonic() - started,
        )

    def _ready(self) -> None:
        """The index equals the files (this server scanned it, or another did)."""
        self.state, self.reason = "ready", None
        if self._rebuild:
            self._rebuild = self.guard.rebuilding = False
            self.guard.usable, self.guard.reason = True, None
            self.log.warning("jupyter-blocks: the index is rebuilt (%d notebooks)", self.total)
        self._emit({"action": "ready", "done": self.done, "total": self.total})
        self.scanned.set()

    async def _watch_elsewhere(self) -> None:
        """While another server scans the shared index: its progress is shown here;
        once it is over this server is ready, and if it stopped renewing its turn this
        server takes the turn over and finishes the scan."""
        progress = await self.guard.write(self.store.scan_elsewhere)
        if progress is None:
            self._elsewhere = False
            self.done = self.total
            self._ready()
            return
        self.state = "indexing"
        self.done, self.total = progress
        if await self.guard.write(self.store.claim_scan):
            self.log.warning(
                "jupyter-blocks: the server indexing %s stopped; taking over",
                self.store.location,
            )
            self._elsewhere = False
            self.done = self.total = 0
            await self._scan()

    async def _follow(self) -> None:
        """Apply changes as they come, watch the change log and the store's health."""
        last_probe = last_retry = time.monotonic()
        while True:
            with contextlib.suppress(asyncio.TimeoutError):
                await asyncio.wait_for(self._wake.wait(), TICK)
            self._wake.clear()
            if self._fault is not None:
                raise self._fault
            if self._pending:
                await self._apply_pending()
            await self._tail()
            now = time.monotonic()
            if now - last_probe >= PROBE_EVERY:
                last_probe = now
                await self.guard.write(self.store.probe)
                if self._elsewhere:
                    await self._watch_elsewhere()
            if self.indexer.unstored and now - last_retry >= RETRY_UNSTORED:
                last_retry = now
                for path in list(self.indexer.unstored):
                    self.enqueue(path)

    async def _tail(self) -> None:
        """Announce what other servers sharing the index wrote."""
        self._cursor, changes = await self.guard.write(self.store.changes_since, self._cursor)
        for logged in changes:
            self._emit_change(Change(set(logged.paths), set(logged.ids)), logged.truncated)

    async def _apply_pending(self) -> None:
        items = list(self._pending)
        self._pending.clear()
        self._in_flight = len(items)
        try:
            stale, change = await self.guard.write(self._collect, items)
            self._emit_change(change, False)
            # Many notebooks at once (a git checkout, a folder moved in): in batches,
            # so that progress shows (pending counts down) and readers see each one.
            self._in_flight = len(stale)
            many = len(stale) > BATCH
            if many:
                self._emit({"action": "progress", "done": 0, "total": len(stale)})
            # Notebooks that arrive together (a pull, a folder copied in) are one scan.
            async for batch in self._read_ahead(stale, new_scan() if len(stale) > 1 else 0):
                self._emit_change(await self.guard.write(self.indexer.write, batch), False)
                self._in_flight -= len(batch.items)
            if many:
                self._emit({"action": "progress", "done": len(stale), "total": len(stale)})
            self._recheck_deferred()
        finally:
            self._in_flight = 0

    async def _read_ahead(
        self, files: list[tuple[str, FileState]], scan: int
    ) -> AsyncIterator[Batch]:
        """The notebooks in batches, each parsed while the one before is stored."""
        futures = self.indexer.read_ahead(files, scan, self._parser)
        try:
            for future in futures:
                yield await asyncio.wrap_future(future)
        finally:
            futures.close()  # a child process that parses ends with the scan

    def _recheck_deferred(self) -> None:
        """Read again, once their writer is surely done, the notebooks found half written."""
        deferred, self.indexer.deferred = self.indexer.deferred, []
        for path in deferred:
            asyncio.get_running_loop().call_later(WRITE_GRACE_NS / 1e9 + 0.5, self.enqueue, path)

    def _collect(
        self, items: list[tuple[str | None, str]]
    ) -> tuple[list[tuple[str, FileState]], Change]:
        """Apply renames and removals now; return the notebooks to index (writer thread).
        One path that fails is logged and left; a fault of the store stops them all."""
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
            except Exception as error:
                if self.store.fault(error) is not None:
                    raise
                self.log.exception("jupyter-blocks could not index %r", path)
        return sorted(stale.items(), key=lambda item: (item[1].mtime_ns, item[0])), change

    def _emit_progress(self) -> None:
        self._emit({"action": "progress", "done": self.done, "total": self.total})


def trim_heap() -> None:
    """Give back to the system the memory freed after a scan. glibc keeps what the
    parser thread freed in that thread's own heap (tens of MB after a large scan);
    malloc_trim releases it. Elsewhere there is nothing to do."""
    if not sys.platform.startswith("linux"):
        return
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL(None).malloc_trim(0)
