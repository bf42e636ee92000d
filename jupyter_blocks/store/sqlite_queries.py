"""The reads of the SQLite store (``sqlite.SQLiteStore`` is the rest): each on the calling
thread's read-only connection (``sqlite_readers``), aggregates cached until the file
changes. The SQL is in ``sqlite_reads`` and ``sqlite_graph``."""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Callable
from typing import Any, TypeVar

from . import sqlite_graph, sqlite_reads
from .records import (
    Backlink,
    Block,
    Counts,
    Duplicate,
    LabelHolder,
    LinkCount,
    LoggedChange,
    NotebookEdge,
    NotebookNode,
    SearchResult,
)
from .sqlite_readers import Readers, reading
from .sqlite_search import search
from .sqlite_writes import read_changes

T = TypeVar("T")


class SQLiteQueries:
    """What ``SQLiteStore`` answers from its readers."""

    readers: Readers
    _identity: tuple[int, int] | None
    _shared_lock: threading.Lock
    _shared: dict[str, tuple[Any, Any]]

    def _reader(self) -> sqlite3.Connection:
        raise NotImplementedError

    def _cached(self, key: str, compute: Callable[[], T]) -> T:
        """An aggregate, recomputed only when the file changed: SQLite's data_version
        moves with every commit of any other connection, this server's or another's."""
        con = self._reader()
        version = con.execute("PRAGMA data_version").fetchone()[0]
        cache = self.readers.held().cache
        hit = cache.get(key)
        if hit is not None and hit[0] == version:
            return hit[1]  # type: ignore[return-value]
        value = compute()
        cache[key] = (version, value)
        return value

    def _once_per_change(self, key: str, compute: Callable[[], T]) -> T:
        """An aggregate costly enough to compute once for every reader thread: kept
        until the change log moves (every write of any server logs a change), one
        thread computing while the others wait for it."""
        seq = self._reader().execute("SELECT max(seq) FROM changes").fetchone()[0]
        version = (self._identity, seq)
        with self._shared_lock:
            hit = self._shared.get(key)
            if hit is None or hit[0] != version:
                hit = (version, compute())
                self._shared[key] = hit
        result: T = hit[1]
        return result

    @reading
    def get_blocks(self, ids: list[str]) -> dict[str, Block]:
        return sqlite_reads.get_blocks(self._reader(), ids)

    @reading
    def backlinks(self, block_id: str) -> list[Backlink]:
        return sqlite_reads.backlinks(self._reader(), block_id)

    @reading
    def notebook_backlinks(self, path: str, link_targets: list[str]) -> list[Backlink]:
        return sqlite_reads.notebook_backlinks(self._reader(), path, link_targets)

    @reading
    def backlink_counts(self, path: str) -> dict[str, int]:
        return sqlite_reads.backlink_counts(self._reader(), path)

    @reading
    def search(self, query: str, limit: int, budget_ms: int) -> SearchResult:
        return search(self._reader(), query, limit, budget_ms)

    @reading
    def counts(self) -> Counts:
        def compute() -> Counts:
            con = self._reader()
            return Counts(
                notebooks=con.execute(
                    "SELECT count(*) FROM files WHERE skipped IS NULL"
                ).fetchone()[0],
                blocks=con.execute("SELECT count(*) FROM blocks").fetchone()[0],
                references=con.execute("SELECT count(*) FROM links").fetchone()[0],
            )

        result: Counts = self._cached("counts", compute)
        return result

    @reading
    def skipped(self) -> list[tuple[str, str]]:
        return (
            self._reader()
            .execute("SELECT path, skipped FROM files WHERE skipped IS NOT NULL ORDER BY path")
            .fetchall()
        )

    @reading
    def duplicates(self, limit: int) -> list[Duplicate]:
        return self._cached(
            f"duplicates:{limit}", lambda: sqlite_reads.duplicates(self._reader(), limit)
        )

    @reading
    def unresolved_links(self) -> list[tuple[Backlink, str, bool]]:
        return sqlite_reads.unresolved_links(self._reader())

    @reading
    def notebook_links(self) -> list[tuple[Backlink, str]]:
        return sqlite_reads.notebook_links(self._reader())

    @reading
    def embed_edges(self) -> list[tuple[str, str]]:
        return sqlite_reads.embed_edges(self._reader())

    @reading
    def ids_resolving_elsewhere(self, path: str) -> set[str]:
        return sqlite_reads.ids_resolving_elsewhere(self._reader(), path)

    @reading
    def notebook_paths_named(self, name: str) -> list[str]:
        return sqlite_reads.notebook_paths_named(self._reader(), name)

    @reading
    def links_to(
        self, targets: list[str], kinds: tuple[str, ...], prefix: str | None = None
    ) -> list[Backlink]:
        return sqlite_reads.links_to(self._reader(), targets, kinds, prefix)

    @reading
    def notebook_targets(self, path: str) -> list[str]:
        return sqlite_reads.notebook_targets(self._reader(), path)

    @reading
    def real_path(self, path: str) -> str | None:
        return sqlite_reads.real_path(self._reader(), path)

    @reading
    def notebook_title(self, path: str) -> str | None:
        return sqlite_graph.notebook_title(self._reader(), path)

    @reading
    def blocks_mentioning(
        self, text: str, exclude_path: str, limit: int, budget_ms: int
    ) -> tuple[list[Block], bool]:
        return sqlite_graph.blocks_mentioning(self._reader(), text, exclude_path, limit, budget_ms)

    @reading
    def notebook_nodes(self) -> list[NotebookNode]:
        return self._once_per_change("nodes", lambda: sqlite_graph.notebook_nodes(self._reader()))

    @reading
    def notebook_edges(self) -> list[NotebookEdge]:
        return self._once_per_change("edges", lambda: sqlite_graph.notebook_edges(self._reader()))

    def change_epoch(self) -> object:
        return (id(self), self._identity)

    @reading
    def all_changes_since(self, cursor: int) -> tuple[int, list[LoggedChange]]:
        return read_changes(self._reader(), cursor, "")

    @reading
    def graph_nodes(self, paths: list[str] | None) -> list[NotebookNode]:
        return sqlite_graph.graph_nodes(self._reader(), paths)

    @reading
    def graph_links(self, paths: list[str] | None) -> list[LinkCount]:
        return sqlite_graph.graph_links(self._reader(), paths)

    @reading
    def block_homes(self, targets: list[str]) -> dict[str, str]:
        return sqlite_graph.block_homes(self._reader(), targets)

    @reading
    def block_names(self, paths: list[str], ids: list[str]) -> set[str]:
        return sqlite_graph.block_names(self._reader(), paths, ids)

    @reading
    def labelled(self, label: str, limit: int) -> list[Block]:
        return sqlite_reads.labelled(self._reader(), label, limit)

    @reading
    def label_clashes(self, limit: int) -> list[LabelHolder]:
        return self._cached(
            f"labels:{limit}", lambda: sqlite_reads.label_clashes(self._reader(), limit)
        )

    @reading
    def problems(self) -> list[tuple[str, str]]:
        return sqlite_reads.problems(self._reader())

    @reading
    def patched_embeds(self) -> list[tuple[Backlink, str, str]]:
        return sqlite_reads.patched_embeds(self._reader())
