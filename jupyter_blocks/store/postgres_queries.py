"""The reads of the team store (``postgres.PostgresStore`` is the rest): each on a pooled
reader connection (``postgres_reads.Reads``), aggregates cached until the space's change
log moves. The SQL is in ``postgres_reads``, ``postgres_graph`` and ``postgres_search``."""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable
from typing import Any, TypeVar

import psycopg

from . import postgres_graph as graph
from . import postgres_schema as schema
from . import postgres_writes as writes
from .postgres_reads import Reads
from .postgres_search import search
from .records import (
    Backlink,
    Block,
    Counts,
    Duplicate,
    FileState,
    LabelHolder,
    LinkCount,
    LoggedChange,
    NotebookEdge,
    NotebookNode,
    SearchResult,
)

T = TypeVar("T")


class PostgresQueries:
    """What ``PostgresStore`` answers from its readers."""

    reads: Reads
    schema: str
    origin: str
    _opened: int
    _cache: dict[str, tuple[int, object]]
    _cache_lock: threading.Lock

    def _read(self) -> contextlib.AbstractContextManager[psycopg.Connection[Any]]:
        raise NotImplementedError

    def _cached(self, key: str, compute: Callable[[], T]) -> T:
        """An aggregate, recomputed only when the change log moved (every write of any
        server of the space logs one)."""
        with self._read() as con:
            row = con.execute(
                schema.sql(self.schema, "SELECT max(seq) FROM {s}.changes")
            ).fetchone()
        version = int(row[0] or 0) if row else 0
        with self._cache_lock:
            hit = self._cache.get(key)
        if hit is not None and hit[0] == version:
            result: T = hit[1]  # type: ignore[assignment]
            return result
        value = compute()
        with self._cache_lock:
            self._cache[key] = (version, value)
        return value

    # -- reads -------------------------------------------------------------------------
    def file_states(self) -> dict[str, FileState]:
        return self.reads.file_states()

    def file_state(self, path: str) -> FileState | None:
        return self.reads.file_state(path)

    def paths_under(self, path: str) -> list[str]:
        return self.reads.paths_under(path)

    def get_blocks(self, ids: list[str]) -> dict[str, Block]:
        return self.reads.get_blocks(ids)

    def backlinks(self, block_id: str) -> list[Backlink]:
        return self.reads.backlinks(block_id)

    def backlinks_with_blocks(self, block_id: str) -> tuple[list[Backlink], dict[str, Block]]:
        return self.reads.backlinks_with_blocks(block_id)

    def notebook_backlinks(self, path: str, link_targets: list[str]) -> list[Backlink]:
        return self.reads.notebook_backlinks(path, link_targets)

    def backlink_counts(self, path: str) -> dict[str, int]:
        return self.reads.backlink_counts(path)

    def search(self, query: str, limit: int, budget_ms: int) -> SearchResult:
        with self._read() as con:
            return search(con, self.schema, query, limit, budget_ms)

    def counts(self) -> Counts:
        return self._cached("counts", self.reads.counts)

    def skipped(self) -> list[tuple[str, str]]:
        return self.reads.skipped()

    def duplicates(self, limit: int) -> list[Duplicate]:
        return self._cached(f"duplicates:{limit}", lambda: self.reads.duplicates(limit))

    def unresolved_links(self) -> list[tuple[Backlink, str, bool]]:
        return self.reads.unresolved_links()

    def notebook_links(self) -> list[tuple[Backlink, str]]:
        return self.reads.notebook_links()

    def embed_edges(self) -> list[tuple[str, str]]:
        return self.reads.embed_edges()

    def ids_resolving_elsewhere(self, path: str) -> set[str]:
        return self.reads.ids_resolving_elsewhere(path)

    def notebook_paths_named(self, name: str) -> list[str]:
        return self.reads.notebook_paths_named(name)

    def links_to(
        self, targets: list[str], kinds: tuple[str, ...], prefix: str | None = None
    ) -> list[Backlink]:
        return self.reads.links_to(targets, kinds, prefix)

    def notebook_title(self, path: str) -> str | None:
        return graph.notebook_title(self.reads, path)

    def blocks_mentioning(
        self, text: str, exclude_path: str, limit: int, budget_ms: int
    ) -> tuple[list[Block], bool]:
        return graph.blocks_mentioning(self.reads, text, exclude_path, limit, budget_ms)

    def notebook_nodes(self) -> list[NotebookNode]:
        return graph.notebook_nodes(self.reads)

    def notebook_edges(self) -> list[NotebookEdge]:
        return graph.notebook_edges(self.reads)

    def change_epoch(self) -> object:
        return (id(self), self._opened)

    def all_changes_since(self, cursor: int) -> tuple[int, list[LoggedChange]]:
        with self._read() as con:
            return writes.read_changes(con, self.schema, cursor, "")

    def graph_nodes(self, paths: list[str] | None) -> list[NotebookNode]:
        return graph.graph_nodes(self.reads, paths)

    def graph_links(self, paths: list[str] | None) -> list[LinkCount]:
        return graph.graph_links(self.reads, paths)

    def block_homes(self, targets: list[str]) -> dict[str, str]:
        return graph.block_homes(self.reads, targets)

    def block_names(self, paths: list[str], ids: list[str]) -> set[str]:
        return graph.block_names(self.reads, paths, ids)

    def notebook_targets(self, path: str) -> list[str]:
        return self.reads.notebook_targets(path)

    def real_path(self, path: str) -> str | None:
        return self.reads.real_path(path)

    def labelled(self, label: str, limit: int) -> list[Block]:
        return self.reads.labelled(label, limit)

    def label_clashes(self, limit: int) -> list[LabelHolder]:
        return self._cached(f"labels:{limit}", lambda: self.reads.label_clashes(limit))

    def problems(self) -> list[tuple[str, str]]:
        return self.reads.problems()

    def patched_embeds(self) -> list[tuple[Backlink, str, str]]:
        return self.reads.patched_embeds()
