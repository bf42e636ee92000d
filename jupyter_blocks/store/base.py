"""The interface every block store implements (the records it holds are in
``records``, the errors it raises in ``errors``).

The indexer and the handlers only talk to ``BlockStore``; SQLite is the default
implementation, and another (PostgreSQL) can be added without touching them.

Writes happen on one thread at a time (the indexer's writer); reads may come from any
thread, concurrently with a write.

When the index itself is in trouble, a store says so with a ``StoreError`` (its
``fault`` method turns the engine's own errors into one): damaged or gone
(``StoreCorrupt``: set it aside and rebuild), unreachable (``StoreUnavailable``: retry),
full (``StoreFull``: retry the write later) or busy (``StoreBusy``: try again). The service
decides what to do; the store only tells which it is, with a reason a user can read.
"""

from __future__ import annotations

import contextlib
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterator
from typing import Any, TypeVar

from .errors import StoreCorrupt, StoreError
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
    NotebookRow,
    SearchResult,
)

T = TypeVar("T")


class BlockStore(ABC):
    """Where the index lives. Implementations must be safe for one writer thread plus
    any number of reader threads."""

    # The setting that tells where the index is: named in messages about reaching it.
    setting = "c.BlocksExtension.db_path"
    # Said when the index does not answer in time, and what to do when it cannot be used.
    stalls = "it may be locked by another program, or on a slow or stalled disk"
    remedy = "Give it a place the server can write to with {setting}"
    # A database that the servers of a space share: made from database_url and space
    # (else from db_path, a file of this server's).
    in_database = False
    # The store's work on a notebook row that needs no database, done as the notebook
    # is read (``index/reading.py``), off the writer and maybe in a child process: a
    # module-level function (a child is given it by name). None: nothing to do.
    prepare: Callable[[NotebookRow], None] | None = None

    def __init__(self, location: str, root: str) -> None:
        self.location = location
        self.root = root

    # -- lifecycle -----------------------------------------------------------------
    @abstractmethod
    def open(self) -> None:
        """Create or migrate the index; rebuilds it empty when its schema changed."""

    @abstractmethod
    def close(self) -> None: ...

    # -- reads -------------------------------------------------------------------------
    def read_as_one(self, fn: Callable[..., T], *args: Any) -> T:
        """``fn(*args)`` (a reader thread's work for one request), its reads of this
        store made as one: PostgreSQL's on one connection of the pool. Raises what
        ``fn`` raises."""
        return fn(*args)

    # -- faults ----------------------------------------------------------------------
    def fault(self, error: BaseException) -> StoreError | None:
        """What an error raised by this store means for the index: a ``StoreError``
        (with a reason a user can read), or None when it is not the index's fault (a
        bug, bad data). Stores map their engine's errors here."""
        return error if isinstance(error, StoreError) else None

    def probe(self) -> None:
        """Raise a ``StoreError`` if the index can no longer be used (its file was
        deleted or replaced, its database went away). Called every few seconds; must
        be cheap."""
        return None

    def check_writable(self) -> None:
        """Raise a ``StoreError`` if the index opened but cannot be written (a file
        that is read-only or immutable, a database user that may only read). Called
        once after each opening."""
        return None

    def set_aside(self, reason: str) -> str | None:
        """Move a damaged index out of the way (after ``close``), so that ``open``
        starts an empty one; returns where it went (None when there was nothing to
        move). Never removes anything the store did not create."""
        return None

    # -- changes written by other servers sharing this index -----------------------------
    def change_cursor(self) -> int:
        """Where the log of changes stands now: ``changes_since`` this cursor returns
        only what is written afterwards."""
        return 0

    def changes_since(self, cursor: int) -> tuple[int, list[LoggedChange]]:
        """Changes that other servers (other store instances) wrote to this index after
        ``cursor``, and the new cursor. A store that only one server uses logs
        nothing."""
        return cursor, []

    # -- one scan for several servers (a shared index) ---------------------------------
    # A store that only one server uses scans at every start, as the worker always did;
    # a shared one (PostgresStore) gives the turn to one server at a time through a lease
    # in the database, so that a space is scanned once, and by another server when the
    # scanning one dies.
    def claim_scan(self) -> bool:
        """Whether this server is to scan the root now (writer thread). False: another
        server scans it, or none needs to; ask ``scan_elsewhere`` then."""
        return True

    def scan_progress(self, done: int, total: int) -> None:
        """Keep the turn while scanning, and tell the other servers how far it is.
        Raises StoreBusy when the turn was lost (this server stalled past its lease)."""
        return None

    def finish_scan(self) -> None:
        """The scan this server claimed is complete: the index equals the files."""
        return None

    def scan_elsewhere(self) -> tuple[int, int] | None:
        """While another server scans: its progress ``(done, total)``; None when no scan
        is wanted any more."""
        return None

    def on_change(self, wake: Callable[[], None]) -> None:
        """Have ``wake()`` called (from any thread) as soon as another server may have
        written: ``changes_since`` then has news. Without it the worker polls."""
        return None

    # -- writes (indexer thread) -----------------------------------------------------
    @contextlib.contextmanager
    def bulk(self) -> Iterator[None]:
        """Around many writes in a row (a cold scan): a store may tune itself for
        throughput. Every write stays visible to readers as soon as it returns."""
        yield

    def settle(self) -> None:
        """Housekeeping after a bulk load that no reader waits for (writer thread)."""
        return None

    @abstractmethod
    def put_notebooks(self, notebooks: list[NotebookRow]) -> list[str]:
        """Replace the blocks of each notebook (each path at most once); returns the ids
        whose block changed."""

    @abstractmethod
    def remove_notebooks(self, paths: list[str]) -> list[str]:
        """Forget these notebooks, leaving tombstones; returns the ids removed."""

    @abstractmethod
    def rename_notebook(self, old: str, new: str) -> int:
        """Move a notebook (or a folder of them, when ``old`` is a folder) in the index;
        returns how many notebooks moved."""

    @abstractmethod
    def put_skipped(self, path: str, state: FileState, reason: str) -> None:
        """Record that a file could not be indexed, and why (its blocks are removed)."""

    # -- reads (any thread) -----------------------------------------------------------
    @abstractmethod
    def file_states(self) -> dict[str, FileState]:
        """Every notebook or skipped file the index knows, with the state it saw."""

    @abstractmethod
    def file_state(self, path: str) -> FileState | None: ...

    @abstractmethod
    def paths_under(self, path: str) -> list[str]:
        """Known files at ``path`` or under it when it is a folder."""

    @abstractmethod
    def get_blocks(self, ids: list[str]) -> dict[str, Block]:
        """The block each id resolves to (the first indexed when duplicated), else its
        tombstone (``deleted=True``); unknown ids are left out."""

    @abstractmethod
    def backlinks(self, block_id: str) -> list[Backlink]: ...

    def backlinks_with_blocks(self, block_id: str) -> tuple[list[Backlink], dict[str, Block]]:
        """``backlinks(block_id)``, and ``get_blocks`` of ``block_id`` and of every id or
        label that the backlinking blocks reference (the titles their text shows): what
        the backlinks panel shows. A store may read it at once."""
        from ..links.refs import find_references  # the store needs links only here

        links = self.backlinks(block_id)
        targets = {block_id} | {
            ref.target
            for link in links
            for ref in find_references(link.source)
            if ref.kind != "notebook"
        }
        return links, self.get_blocks(sorted(targets))

    @abstractmethod
    def notebook_backlinks(self, path: str, link_targets: list[str]) -> list[Backlink]:
        """References to any block of ``path``, and notebook links whose target is one
        of ``link_targets`` (the spellings that resolve to ``path``)."""

    @abstractmethod
    def backlink_counts(self, path: str) -> dict[str, int]:
        """For each block of ``path`` that is referenced: how many blocks reference or
        embed it."""

    @abstractmethod
    def search(self, query: str, limit: int, budget_ms: int) -> SearchResult: ...

    @abstractmethod
    def counts(self) -> Counts: ...

    @abstractmethod
    def skipped(self) -> list[tuple[str, str]]:
        """``(path, reason)`` of every file that could not be indexed."""

    @abstractmethod
    def duplicates(self, limit: int) -> list[Duplicate]: ...

    @abstractmethod
    def unresolved_links(self) -> list[tuple[Backlink, str, bool]]:
        """References and embeds whose target id has no live block: ``(source block,
        target, whether the target has a tombstone)``."""

    @abstractmethod
    def notebook_links(self) -> list[tuple[Backlink, str]]:
        """Every ``[[path]]`` link: ``(source block, target as written, normalized)``."""

    @abstractmethod
    def embed_edges(self) -> list[tuple[str, str]]:
        """``(embedding block id, embedded id)`` for every embed written in a block that
        its id resolves to (the original, when the id is duplicated)."""

    @abstractmethod
    def ids_resolving_elsewhere(self, path: str) -> set[str]:
        """Ids held by cells of ``path`` that resolve to a block of another notebook (the
        original, indexed first): ``path`` holds copies of them."""

    @abstractmethod
    def notebook_paths_named(self, name: str) -> list[str]:
        """Indexed notebooks whose file name is ``name`` (to resolve ``[[name.ipynb]]``)."""

    @abstractmethod
    def links_to(
        self, targets: list[str], kinds: tuple[str, ...], prefix: str | None = None
    ) -> list[Backlink]:
        """The blocks holding a link of one of ``kinds`` (``ref``, ``embed``,
        ``notebook``) whose target, as written (notebook paths in NFC), is one of
        ``targets`` or starts with ``prefix``; in order, a block once per kind."""

    @abstractmethod
    def notebook_targets(self, path: str) -> list[str]:
        """The ids and labels of ``path``'s blocks that resolve to them (what a
        reference to one of its blocks writes)."""

    @abstractmethod
    def real_path(self, path: str) -> str | None:
        """The indexed notebook that ``path`` names, compared in NFC (``path_key``): its
        real name, or None."""

    @abstractmethod
    def notebook_title(self, path: str) -> str | None:
        """The title the index keeps for the notebook at ``path`` (its real path): its
        first heading, "" when it has none; None when it is not indexed."""

    @abstractmethod
    def blocks_mentioning(
        self, text: str, exclude_path: str, limit: int, budget_ms: int
    ) -> tuple[list[Block], bool]:
        """Markdown blocks, outside the notebook ``exclude_path``, whose text holds every
        word of ``text`` as the full-text index splits it (whole words, not prefixes:
        candidates for ``mentions.find_mentions``, which confirms; a superset is fine).
        At most ``limit``, found within about ``budget_ms`` milliseconds, in no set
        order; the flag is False when the limit or the budget cut the list short."""

    @abstractmethod
    def notebook_nodes(self) -> list[NotebookNode]:
        """Every indexed notebook (skipped files left out), for the graph."""

    @abstractmethod
    def notebook_edges(self) -> list[NotebookEdge]:
        """Links between notebooks, counted by (source notebook, target, kind); see
        ``NotebookEdge``. Self links included (the caller drops them)."""

    # -- the graph kept up to date by notebook (notebook_graph.py) -----------------------
    def change_epoch(self) -> object:
        """What changes when the change log may have started again (the index was
        opened anew): positions in the log are only compared within one epoch."""
        return id(self)

    def all_changes_since(self, cursor: int) -> tuple[int, list[LoggedChange]]:
        """Like ``changes_since``, but with this server's own changes too."""
        return cursor, [LoggedChange([], [], truncated=True)]

    @abstractmethod
    def graph_nodes(self, paths: list[str] | None) -> list[NotebookNode]:
        """``notebook_nodes`` of the notebooks at ``paths`` (real paths; None: all)."""

    @abstractmethod
    def graph_links(self, paths: list[str] | None) -> list[LinkCount]:
        """Every link written in the notebooks at ``paths`` (None: all), unresolved."""

    @abstractmethod
    def block_homes(self, targets: list[str]) -> dict[str, str]:
        """The notebook of the block each reference target resolves to, as
        ``notebook_edges`` resolves it (an id first, else a label; the block seen
        first); targets that resolve to no block are left out."""

    @abstractmethod
    def block_names(self, paths: list[str], ids: list[str]) -> set[str]:
        """The ids and labels of the blocks of ``paths``, and the labels of the blocks
        holding ``ids``: the reference targets whose resolution a change of them may
        move."""

    @abstractmethod
    def labelled(self, label: str, limit: int) -> list[Block]:
        """The blocks declaring ``label``, first seen first, whatever ``((label))``
        resolves to (an id that is the same name wins over it): at most ``limit``."""

    @abstractmethod
    def label_clashes(self, limit: int) -> list[LabelHolder]:
        """Labels declared by more than one block, and labels that are a block's id."""

    @abstractmethod
    def problems(self) -> list[tuple[str, str]]:
        """``(path, what)`` for what indexed notebooks could not hold in full (a cell too
        costly to parse for references)."""

    @abstractmethod
    def patched_embeds(self) -> list[tuple[Backlink, str, str]]:
        """Embeds written with a ``with {...}`` patch: ``(block, target, facet)``."""

    def resolve_notebook_link(self, target: str) -> tuple[str | None, str]:
        """The notebook ``[[target]]`` names (a path from the root, normalized; compared
        in NFC, answered with its real name), or None and why not: a bare file name
        resolves when exactly one notebook has it."""
        real = self.real_path(target)
        if real is not None:
            return real, ""
        if "/" in target:
            return None, "no such notebook"
        matches = self.notebook_paths_named(target)
        if len(matches) == 1:
            return matches[0], ""
        if not matches:
            return None, "no such notebook"
        return None, "ambiguous: " + ", ".join(sorted(matches)[:5])


def open_or_set_aside(store: BlockStore) -> str | None:
    """Open ``store``; a damaged index is set aside and an empty one opened instead
    (for one-shot users such as the command line; the server recovers on its own).
    Returns where the damaged index went, else None. StoreUnavailable is raised."""
    try:
        store.open()
        return None
    except StoreCorrupt as fault:
        store.close()
        where = store.set_aside(str(fault)) or str(fault)
        store.open()
        return where
