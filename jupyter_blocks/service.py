"""The running index of one server root, and the reads the REST handlers serve.

``Upkeep`` keeps the index current (and recovers it when it fails), ``TreeWatcher``
reports changes made outside Jupyter, and every read goes through ``StoreGuard``: off
the event loop, within ``request_timeout`` seconds, and answered with IndexUnavailable
(HTTP 503, with the reason) when the index cannot serve.
"""

from __future__ import annotations

import asyncio
import contextlib
import ctypes
import logging
import sys
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from nbformat.sign import NotebookNotary

from .cells import NotebookContent, NotebookReader
from .guard import IndexUnavailable, StoreGuard
from .indexer import Change, Indexer, TreeRules, storable
from .notebook import normalize_path
from .refs import is_block_id
from .store import Backlink, Block, BlockStore, Counts, SearchResult, StoreError
from .upkeep import Emit, Upkeep
from .views import block_json
from .watch import TreeWatcher

__all__ = ["BlocksService", "IndexUnavailable"]

MAX_EVENT_IDS = 500  # past this, an event says "truncated" and clients refresh all
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
        request_timeout: float = 10.0,
        location_hint: str = "c.BlocksExtension.db_path",
        log: logging.Logger | None = None,
    ) -> None:
        self.store = store
        self.rules = rules
        self.log = log or logging.getLogger(__name__)
        self.indexer = Indexer(store, rules, max_size, self.log)
        self.reader = NotebookReader(max_size)
        self.notary = notary
        self.search_budget_ms = search_budget_ms
        self._emit_event = emit
        self.guard = StoreGuard(store, request_timeout, location_hint, self._on_fault)
        self._parser = ThreadPoolExecutor(1, thread_name_prefix="jupyter-blocks-parser")
        self.upkeep = Upkeep(
            self.guard,
            self.indexer,
            self._parser,
            self._emit_change,
            self._emit,
            self.log,
            after_scan=_trim_heap,
        )
        self._stop = asyncio.Event()
        self.watcher = TreeWatcher(
            rules,
            self.enqueue,
            self._stop,
            watch=watch,
            poll_interval=poll_interval,
            log=self.log,
        )
        self._tasks: list[asyncio.Task[None]] = []
        self._event_loop: asyncio.AbstractEventLoop | None = None
        self._last_seen: tuple[Counts, list[tuple[str, str]], list[Any]] = (Counts(0, 0, 0), [], [])

    # -- lifecycle ---------------------------------------------------------------------
    async def start(self) -> None:
        """Start the indexing worker (it opens the store) and, after the first scan,
        the watcher. Returns at once: the server answers from the start."""
        if self._event_loop is not None:
            return
        self._event_loop = asyncio.get_running_loop()
        self._tasks = [
            asyncio.create_task(self.upkeep.run(), name="jupyter-blocks-index"),
            asyncio.create_task(self._watch(), name="jupyter-blocks-watch"),
        ]

    async def _watch(self) -> None:
        await self.upkeep.scanned.wait()
        await self.watcher.run()

    async def stop(self) -> None:
        self._stop.set()
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        if self._event_loop is not None:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(self.guard.write(self.store.close), 10)
        self.guard.shutdown()
        self._parser.shutdown(wait=False, cancel_futures=True)

    @property
    def state(self) -> str:
        return self.upkeep.state

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
        self.upkeep.enqueue(path, rename_from)

    def _on_fault(self, fault: StoreError) -> None:
        self.upkeep.report(fault)

    # -- events ------------------------------------------------------------------------
    def _emit(self, data: dict[str, Any]) -> None:
        """Emit on the event bus; a failure to emit never stops the indexing."""
        try:
            self._emit_event(data)
        except Exception:
            self.log.exception("jupyter-blocks could not emit %s", data.get("action"))

    def _emit_change(self, change: Change, truncated: bool = False) -> None:
        if not change and not truncated:
            return
        ids = sorted(change.ids)
        paths = sorted({storable(p) for p in change.paths})
        self._emit(
            {
                "action": "changed",
                "paths": paths[:MAX_EVENT_IDS],
                "ids": ids[:MAX_EVENT_IDS],
                "truncated": truncated or len(ids) > MAX_EVENT_IDS or len(paths) > MAX_EVENT_IDS,
            }
        )

    # -- reads -------------------------------------------------------------------------
    async def status(self) -> dict[str, Any]:
        """Where indexing stands and what the index holds. Answers even when the index
        cannot: then with the last counts seen and the reason."""
        upkeep = self.upkeep
        # Where indexing stands is taken before the counts are read, so that "ready"
        # with nothing pending never comes with counts from before the last batch.
        state, done, total, pending = upkeep.state, upkeep.done, upkeep.total, upkeep.pending
        reason = upkeep.reason if state != "ready" else None
        counts, skipped, duplicates = self._last_seen
        if self.guard.usable or self.guard.rebuilding:
            read = self.guard.read
            found = await asyncio.gather(
                read(self.store.counts, partial=True),
                read(self.store.skipped, partial=True),
                read(self.store.duplicates, LIST_LIMIT, partial=True),
                return_exceptions=True,
            )
            problem = next((r for r in found if isinstance(r, BaseException)), None)
            if isinstance(problem, IndexUnavailable):
                reason = str(problem)
            elif problem is not None:
                raise problem
            else:
                counts, skipped, duplicates = found  # type: ignore[assignment]
                self._last_seen = (counts, skipped, duplicates)
        if not self.guard.usable and reason is None:
            reason = self.guard.reason
        unstored = [(storable(p), r) for p, r in sorted(self.indexer.unstored.items())]
        listed = unstored + skipped
        return {
            "state": state,
            "reason": reason,
            "notebooks": counts.notebooks,
            "blocks": counts.blocks,
            "references": counts.references,
            "pending": pending,
            "progress": {"done": done, "total": total},
            "skipped": [{"path": p, "reason": r} for p, r in listed[:LIST_LIMIT]],
            "skipped_total": len(listed),
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
        """Bring one notebook up to date in the index now (so that an id just written
        resolves at once), within the request bound."""
        self._emit_change(await self.guard.write_now(self.indexer.refresh, path))

    async def resolves_to(self, block_id: str) -> Block | None:
        """The live block an id resolves to, or None."""
        return (await self.live_blocks([block_id])).get(block_id)

    async def live_blocks(self, ids: list[str]) -> dict[str, Block]:
        """The live block each of these ids resolves to (deleted and unknown ids left
        out)."""
        if not ids:
            return {}
        found: dict[str, Block] = await self._read(self.store.get_blocks, ids)
        return {i: b for i, b in found.items() if not b.deleted}

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
    async def _read(self, fn: Any, *args: Any) -> Any:
        return await self.guard.read(fn, *args)

    def _loop_call(self, fn: Any, *args: Any) -> None:
        """Run ``fn`` on the event loop (from a worker thread)."""
        if self._event_loop is not None:
            with contextlib.suppress(RuntimeError):
                self._event_loop.call_soon_threadsafe(fn, *args)
