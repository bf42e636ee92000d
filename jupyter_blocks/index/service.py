"""The running index of one server root, and the reads the REST handlers serve.

``Upkeep`` keeps the index current (and recovers it when it fails), ``TreeWatcher``
reports changes made outside Jupyter, and every read goes through ``StoreGuard``: off
the event loop, within ``request_timeout`` seconds, and answered with IndexUnavailable
(HTTP 503, with the reason) when the index cannot serve.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from nbformat.sign import NotebookNotary

from ..links.refs import find_references, is_target
from ..links.titles import block_title
from ..notebooks.cells import NotebookReader
from ..notebooks.notebook import normalize_path
from ..reuse.closure import MAX_CELLS as MAX_RECIPE_CELLS
from ..store import Backlink, Block, BlockStore, Counts, SearchResult, StoreError
from ..store.records import path_key
from .connections import unlinked_of_block, unlinked_of_notebook
from .guard import IndexUnavailable, StoreGuard
from .indexer import Change, Indexer, storable
from .notebook_graph import notebook_graph
from .served import is_trusted, with_content
from .tree import TreeRules
from .upkeep import Emit, Upkeep, trim_heap
from .views import backlink_entries, status_json
from .watch import TreeWatcher

__all__ = ["BlocksService", "IndexUnavailable"]

MAX_EVENT_IDS = 500  # past this, an event says "truncated" and clients refresh all
LIST_LIMIT = 500  # skipped files and duplicates listed in status

STOP_TIMEOUT = 10.0  # seconds the index tasks get to finish when the server stops


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
        max_recipe_cells: int = MAX_RECIPE_CELLS,
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
        self.max_recipe_cells = max_recipe_cells
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
            after_scan=trim_heap,
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
        self._last_notes: tuple[list[Any], list[tuple[str, str]]] = ([], [])

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
        self._tasks.append(asyncio.create_task(self._keep_graph(), name="jupyter-blocks-graph"))
        await self.watcher.run()

    async def _keep_graph(self) -> None:
        """Assemble the kept graph of notebooks once the index is scanned (seconds at
        10,000 notebooks), so that the first reader of the graph does not wait for it;
        after that it follows each change (``kept_graph.py``)."""
        try:  # stepping aside while requests are served (StoreGuard.step_aside)
            await self.guard.background(
                notebook_graph, self.store, self.rules, None, 1, self.guard.step_aside
            )
        except Exception as error:  # the first request will try again
            self.log.debug("jupyter-blocks could not assemble the graph yet: %s", error)

    async def stop(self) -> None:
        self._stop.set()
        for task in self._tasks:
            task.cancel()
        if self._tasks:
            # Bounded: a task stuck in a call that ignores cancellation (a database
            # that stopped answering) must not keep the server from stopping.
            await asyncio.wait(self._tasks, timeout=STOP_TIMEOUT)
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
        actions = ("save", "create", "upload", "copy", "rename", "delete")
        if not isinstance(path, str) or action not in actions:
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
        if not self.guard.usable and not self.guard.rebuilding:
            reason = reason or self.guard.reason
            state = "unavailable" if state == "ready" else state
        unstored = [(storable(p), r) for p, r in sorted(self.indexer.unstored.items())]
        listed = unstored + skipped
        labels, problems = self._last_notes
        if self.guard.usable:
            with contextlib.suppress(IndexUnavailable):
                labels, problems = await asyncio.gather(
                    self.guard.read(self.store.label_clashes, LIST_LIMIT, partial=True),
                    self.guard.read(self.store.problems, partial=True),
                )
                self._last_notes = (labels, problems)
        return status_json(
            state,
            reason,
            counts,
            pending,
            (done, total),
            listed,
            duplicates,
            labels,
            problems,
            LIST_LIMIT,
        )

    async def resolve(self, targets: list[str]) -> dict[str, dict[str, Any] | None]:
        """Every target's block as served (None when unknown), in one pass: a target is
        an id, else a label (an id wins)."""
        valid = [t for t in targets if is_target(t)]

        def query() -> tuple[dict[str, Block], list[dict[str, Any] | None], dict[str, str]]:
            # One trip to a reader thread for the blocks, their files and their titles
            found: dict[str, Block] = self.store.get_blocks(valid) if valid else {}
            served = self._with_content(list(found.values()))
            markdown = [b.source for b in found.values() if b.cell_type == "markdown"]
            return found, served, self._titles(markdown)

        found, served, titles = await self._read(query)
        result: dict[str, dict[str, Any] | None] = dict.fromkeys(targets)
        trust: dict[str | None, bool] = {}
        for target, item in zip(found, served, strict=True):
            if item is None:
                continue
            signature = item.pop("_signature")
            if signature not in trust:
                trust[signature] = self._is_trusted(signature)
            item["trusted"] = trust[signature]
            item["title"] = block_title(item["source"], item["cell_type"], titles)
            result[target] = item
        return result

    def _titles(self, sources: list[str]) -> dict[str, str]:
        """The titles of the blocks these markdown sources reference (to show their
        references by title, one level deep). On a reader thread."""
        targets = sorted(
            {r.target for s in sources for r in find_references(s) if r.kind != "notebook"}
        )
        if not targets:
            return {}
        found: dict[str, Block] = self.store.get_blocks(targets)
        return {t: block_title(b.source, b.cell_type) for t, b in found.items()}

    async def block(self, block_id: str) -> dict[str, Any] | None:
        return (await self.resolve([block_id]))[block_id]

    async def sync(self, path: str) -> None:
        """Bring one notebook up to date in the index now (so that an id just written
        resolves at once), within the request bound."""
        self._emit_change(await self.guard.write_now(self.indexer.refresh, path))

    async def apply_rename(self, old: str, new: str) -> None:
        """Follow a notebook or folder renamed through Jupyter now (blocks keep their
        identity; the queued event of the same rename then finds nothing to do)."""
        self._emit_change(await self.guard.write_now(self.indexer.rename, old, new))

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

    async def backlinks(self, block_id: str) -> list[dict[str, Any]]:
        """Blocks referencing or embedding a block (by its id or its label), one entry
        per cell, as served (``views.backlink_entries``)."""

        def query() -> tuple[list[Backlink], Block | None, dict[str, str]]:
            # One trip to a reader thread (and to PostgreSQL) for the links, the block
            # and the blocks whose titles the links' text shows
            links, blocks = self.store.backlinks_with_blocks(block_id)
            titles = {t: block_title(b.source, b.cell_type) for t, b in blocks.items()}
            return links, blocks.get(block_id), titles

        links, block, titles = await self._read(query)
        marked = {block_id} | ({block.label} if block is not None and block.label else set())
        return backlink_entries(links, frozenset(marked), titles)

    async def notebook_backlinks(self, path: str) -> list[dict[str, Any]] | None:
        """Backlinks of a notebook (references to any of its blocks, and ``[[links]]``
        to it), one entry per cell, or None when the index does not hold it. The path
        is compared in NFC, as links are."""
        path = normalize_path(path)

        def query() -> tuple[str, list[str], list[Backlink], list[str], dict[str, str]] | None:
            real = self.store.real_path(path)
            if real is None:
                return None
            targets = [path_key(real)]
            name = targets[0].rsplit("/", 1)[-1]
            if name != targets[0] and self.store.notebook_paths_named(name) == [real]:
                targets.append(name)  # a bare [[name.ipynb]] that only this one answers
            own = self.store.notebook_targets(real)
            links = self.store.notebook_backlinks(real, targets)
            return real, targets, links, own, self._titles([link.source for link in links])

        found = await self._read(query)
        if found is None:
            return None
        _real, targets, links, own, titles = found
        return backlink_entries(links, frozenset([*targets, *own]), titles)

    async def resolve_notebook_link(self, target: str) -> tuple[str | None, str]:
        return await self._read(self.store.resolve_notebook_link, normalize_path(target))

    async def backlink_counts(self, path: str) -> dict[str, int] | None:
        """How many blocks reference each block of a notebook (None when not indexed)."""
        path = normalize_path(path)

        def query() -> dict[str, int] | None:
            real = self.store.real_path(path)
            if real is None:
                return None
            return self.store.backlink_counts(real)

        return await self._read(query)

    async def unlinked(self, path: str | None, target: str | None) -> dict[str, Any] | None:
        """Unlinked references of the notebook at ``path``, else of the block ``target``
        names (``connections.py``); None when neither is served."""
        budget = self.search_budget_ms
        if path is not None:
            near = normalize_path(path)
            return await self._read(unlinked_of_notebook, self.store, self.rules, near, budget)
        return await self._read(unlinked_of_block, self.store, self.rules, target or "", budget)

    async def graph(self, path: str | None, depth: int) -> bytes | None:
        """The graph of notebooks, whole or within ``depth`` links of ``path``, as JSON
        text (``notebook_graph``)."""
        near = normalize_path(path) if path is not None else None
        return await self._read(notebook_graph, self.store, self.rules, near, depth)

    def _with_content(self, blocks: list[Block]) -> list[dict[str, Any] | None]:
        """Blocks as served (``served.with_content``), on the reader thread."""
        return with_content(
            blocks, self.rules, self.reader, self.notary, self._loop_call, self.enqueue
        )

    def _is_trusted(self, signature: str | None) -> bool:
        """Whether this user trusts the notebook (``served.is_trusted``)."""
        return is_trusted(signature, self.notary)

    # -- threads -----------------------------------------------------------------------
    async def read(self, fn: Any, *args: Any) -> Any:
        """``fn(*args)`` on the store, as a bounded read (IndexUnavailable past it)."""
        return await self.guard.read(fn, *args)

    _read = read

    def _loop_call(self, fn: Any, *args: Any) -> None:
        """Run ``fn`` on the event loop (from a worker thread)."""
        if self._event_loop is not None:
            with contextlib.suppress(RuntimeError):
                self._event_loop.call_soon_threadsafe(fn, *args)
