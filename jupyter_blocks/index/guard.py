"""Calls to the index that always answer: every call made for a request is bounded in
time, and a failure of the index itself (damaged, unreachable, full, locked) is told
apart from a bug and turned into a clear "unavailable" answer (HTTP 503) while the
service recovers. Nothing here knows which engine the store uses: the store's own
``fault`` method says what an error means.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Callable, Iterator
from concurrent.futures import Executor, ThreadPoolExecutor
from typing import Any, TypeVar

from ..store import BlockStore, StoreBusy, StoreCorrupt, StoreError, StoreFull

T = TypeVar("T")
READER_THREADS = 4
WORKER_THREADS = 2
# Background work (the graph's first assembly) steps aside while requests are served:
# until none has used the index for QUIET seconds, at most STEP_ASIDE_MAX seconds a step
# (so that it still ends under a steady load).
QUIET = 0.05
STEP_ASIDE_MAX = 0.1


class IndexUnavailable(Exception):
    """The index cannot answer this request now. The message says why and what to do;
    the REST API answers it with 503."""


class StoreGuard:
    """Runs store calls off the event loop: writes on one thread (in order), reads on a
    small pool. ``read`` and ``write_now`` serve requests and answer within
    ``timeout`` seconds or raise IndexUnavailable; ``write`` serves the indexing worker
    and raises the store's fault (a ``StoreError``) for it to recover from."""

    def __init__(
        self,
        store: BlockStore,
        timeout: float,
        hint: str,
        on_fault: Callable[[StoreError], None],
    ) -> None:
        self.store = store
        self.timeout = timeout
        # The setting that moves the index, named in messages about its location.
        self.hint = hint
        self._on_fault = on_fault
        self.writer = ThreadPoolExecutor(1, thread_name_prefix="jupyter-blocks-writer")
        self.readers = ThreadPoolExecutor(
            READER_THREADS, thread_name_prefix="jupyter-blocks-reader"
        )
        # Work for a request that needs no index (reading a notebook file, planning a
        # recipe): its own threads, so that slow work never holds the index's readers.
        self.workers = ThreadPoolExecutor(
            WORKER_THREADS, thread_name_prefix="jupyter-blocks-worker"
        )
        # Set once the first opening of the store is over (done or failed); `usable` is
        # False until it succeeds, and while the store is being recovered.
        self.opened = asyncio.Event()
        self.usable = False
        # The store is open but being refilled after damage: its answers would be
        # incomplete, so only reads that say so (status) are served.
        self.rebuilding = False
        self.reason: str | None = "the index is opening"
        # Calls made for requests and for indexing, in flight and when the last ended
        # (read by `step_aside` from other threads; written on the event loop only).
        self._in_flight = 0
        self._last_call = 0.0

    async def read(self, fn: Callable[..., T], *args: Any, partial: bool = False) -> T:
        """``fn(*args)`` on a reader thread, for a request; ``partial``: also while the
        index is being rebuilt (for figures of progress). Its reads of the store are
        made as one (``BlockStore.read_as_one``)."""
        return await self._bounded(self.readers, self.store.read_as_one, fn, *args, partial=partial)

    async def write_now(self, fn: Callable[..., T], *args: Any) -> T:
        """``fn(*args)`` on the writer thread (after what it is doing), for a request."""
        return await self._bounded(self.writer, fn, *args)

    async def write(self, fn: Callable[..., T], *args: Any) -> T:
        """``fn(*args)`` on the writer thread, for the indexing worker: not bounded (a
        batch takes what it takes), and a fault of the index raised as a StoreError."""
        try:
            with self._serving():
                return await asyncio.get_running_loop().run_in_executor(self.writer, fn, *args)
        except Exception as error:
            fault = self.store.fault(error)
            if fault is None or fault is error:
                raise
            raise fault from error

    async def work(self, fn: Callable[..., T], *args: Any) -> T:
        """``fn(*args)`` on a worker thread, for a request, within ``timeout`` seconds
        (IndexUnavailable, a 503, past it). ``fn`` should stop by itself at the same
        deadline (the thread is not interrupted)."""
        future = asyncio.get_running_loop().run_in_executor(self.workers, fn, *args)
        try:
            with self._serving():
                return await asyncio.wait_for(future, self.timeout)
        except asyncio.TimeoutError:
            raise IndexUnavailable(
                f"This request did not finish within {self.timeout:g} s (the bound, "
                "c.BlocksExtension.request_timeout)."
            ) from None

    async def background(self, fn: Callable[..., T], *args: Any) -> T:
        """``fn(*args)`` on a reader thread, for work no request waits for: not bounded,
        not counted as serving, and raising what ``fn`` raises. ``fn`` should call
        ``step_aside`` between its steps."""
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self.readers, self.store.read_as_one, fn, *args)

    def step_aside(self) -> None:
        """For background work, between two of its steps (from its thread): let a
        waiting thread have the GIL, then wait while requests are being served (a call
        in flight, or one that ended less than QUIET s ago), at most STEP_ASIDE_MAX s.
        A save's path to the index hands the GIL from thread to thread a few dozen
        times, and a busy background thread made it wait at each hand-off (up to 5 ms,
        the interpreter's switch interval): saves right after a scan took twice as
        long while the graph was assembled (BENCHMARKS.md, the team store)."""
        time.sleep(0)
        until = time.monotonic() + STEP_ASIDE_MAX
        while self._busy() and time.monotonic() < until:
            time.sleep(QUIET / 5)

    def _busy(self) -> bool:
        return self._in_flight > 0 or time.monotonic() - self._last_call < QUIET

    @contextlib.contextmanager
    def _serving(self) -> Iterator[None]:
        self._in_flight += 1
        try:
            yield
        finally:
            self._in_flight -= 1
            self._last_call = time.monotonic()

    def describe(self, fault: StoreError) -> str:
        """A sentence for a user: what is wrong with the index and what happens now."""
        if isinstance(fault, StoreCorrupt):
            return f"The block index is being rebuilt from the notebooks: {fault}."
        if isinstance(fault, StoreFull):
            return f"The block index cannot grow: {fault}. Free some space."
        if isinstance(fault, StoreBusy):
            return f"The block index is busy: {fault}. Try again in a moment."
        if self.hint in str(fault):  # the store said what to fix (a database's URL)
            return f"The block index cannot be used: {fault}. It is tried again meanwhile."
        remedy = self.store.remedy.format(setting=self.hint)
        return f"The block index cannot be used: {fault}. {remedy}; it is tried again meanwhile."

    def shutdown(self) -> None:
        self.writer.shutdown(wait=False, cancel_futures=True)
        self.readers.shutdown(wait=False, cancel_futures=True)
        self.workers.shutdown(wait=False, cancel_futures=True)

    async def _bounded(
        self, executor: Executor, fn: Callable[..., T], *args: Any, partial: bool = False
    ) -> T:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.timeout
        if not self.opened.is_set():
            try:
                await asyncio.wait_for(self.opened.wait(), self.timeout)
            except asyncio.TimeoutError:
                raise IndexUnavailable(self._why_not()) from None
        if not self.usable and not (partial and self.rebuilding):
            raise IndexUnavailable(self._why_not())
        future = loop.run_in_executor(executor, fn, *args)
        try:
            with self._serving():
                return await asyncio.wait_for(future, max(0.0, deadline - loop.time()))
        except asyncio.TimeoutError:
            raise IndexUnavailable(
                f"The block index did not answer within {self.timeout:g} s "
                f"({self.store.stalls}). Try again; the bound is "
                "c.BlocksExtension.request_timeout."
            ) from None
        except Exception as error:
            fault = self.store.fault(error)
            if fault is None:
                raise
            self._on_fault(fault)
            raise IndexUnavailable(self.describe(fault)) from error

    def _why_not(self) -> str:
        reason = self.reason or "the index is opening"
        return reason[0].upper() + reason[1:] + ("" if reason.endswith(".") else ".")
