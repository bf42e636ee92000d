"""The whole graph of notebooks, kept up to date notebook by notebook (``notebook_graph``
serves it).

Assembling the graph from the whole index costs seconds at 10,000 notebooks (every
link resolved again), so it is assembled once, and then every change in the store's
log (``BlockStore.all_changes_since``: each write of any server sharing the index names
the notebooks it touched, and the ids whose resolution it may have moved) refreshes
only what that change can move:

- the nodes of the notebooks named (added, renamed, deleted, a new title or cell count);
- their own links (the out-edges of each), read again unresolved;
- the reference targets whose block may now be another (the ids and labels of the
  notebooks named, before and after), resolved again, and the notebooks linking them;
- the ``[[name]]`` links that may resolve differently once a notebook appears or goes
  (its path, and its file name: a bare name resolves when exactly one notebook has it).

The result equals a full assembly (``notebook_graph.full_graph``; the tests compare
them). A change log that was cut, or an index opened anew, assembles it all again.
"""

from __future__ import annotations

import bisect
import time
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from typing import Generic, TypeVar

import orjson

from ..store import BlockStore
from ..store.records import LoggedChange, NotebookNode, path_key
from .tree import TreeRules

Pair = tuple[str, str]
K = TypeVar("K", str, Pair)


T = TypeVar("T")
# How many items a long loop handles between two chances it gives other threads.
POLITE_EVERY = 25


def give_turn() -> None:
    """Hand the GIL to a thread waiting for it (if any)."""
    time.sleep(0)


def politely(items: Iterable[T], pause: Callable[[], None] = give_turn) -> Iterator[T]:
    """``items``, calling ``pause`` every ``POLITE_EVERY`` of them (by default it hands
    the GIL to a waiting thread). Assembling the whole graph (about 2 s of Python at
    10,000 notebooks, right after a scan) otherwise kept it while each step of a
    search's SQLite read waited for it, up to the 5 ms switch interval a step: searches
    served meanwhile took up to 0.66 s, then at most about 0.26 s (BENCHMARKS.md, P5).
    An assembly made in the background now steps aside altogether while requests are
    served (``StoreGuard.step_aside``)."""
    for count, item in enumerate(items, 1):
        yield item
        if count % POLITE_EVERY == 0:
            pause()


class KeptGraph:
    """The graph of one store as one server serves it (``rules``). Not thread-safe:
    ``notebook_graph`` holds a lock around every call."""

    def __init__(self, store: BlockStore, rules: TreeRules) -> None:
        self.store, self.rules = store, rules
        self.epoch: object = None
        self.cursor = 0
        self.json = b'{"nodes":[],"edges":[]}'
        self.pause: Callable[[], None] = give_turn

    # -- reading the log -------------------------------------------------------------------
    def refresh(self, pause: Callable[[], None] = give_turn) -> None:
        """Bring the graph to where the store's change log stands, calling ``pause``
        between steps of the work (``politely``)."""
        self.pause = pause
        epoch = self.store.change_epoch()
        if epoch != self.epoch:
            self._rebuild(epoch)
            return
        cursor, changes = self.store.all_changes_since(self.cursor)
        if not changes:
            self.cursor = cursor
            return
        if any(change.truncated for change in changes):
            self._rebuild(epoch)
            return
        self._apply(changes)
        self.cursor = cursor
        self._publish()

    def _rebuild(self, epoch: object) -> None:
        # The cursor first: a write after it is applied again next time (idempotent).
        self.cursor = self.store.change_cursor()
        self.epoch = None  # until it is whole: an assembly cut short is made again
        self.nodes: dict[str, NotebookNode] = {}
        self.keys: dict[str, set[str]] = defaultdict(set)  # path_key -> real paths
        self.names: dict[str, set[str]] = defaultdict(set)  # file name -> path_keys
        self.raw: dict[str, dict[tuple[str, str], int]] = {}  # source -> (kind, target)
        self.ref_sources: dict[str, set[str]] = defaultdict(set)  # target -> sources
        self.link_sources: dict[str, set[str]] = defaultdict(set)  # [[target]] -> sources
        self.home: dict[str, str] = {}  # reference target -> notebook of its block
        self.home_of: dict[str, set[str]] = defaultdict(set)  # notebook -> targets
        self.out: dict[str, dict[str, tuple[int, tuple[str, ...]]]] = {}
        self.into: dict[str, set[str]] = defaultdict(set)
        self.backlinks: dict[str, int] = defaultdict(int)
        self.node_rows: _Rows[str] = _Rows()
        self.edge_rows: _Rows[Pair] = _Rows()
        self.building = True  # rows are sorted once at the end, not one by one
        for node in politely(self.store.graph_nodes(None), self.pause):
            if not self.rules.hidden(node.path):
                self._put_node(node)
        self._read_links(None, set(self.nodes))
        self._resolve(set(self.ref_sources))
        for source in politely(list(self.raw), self.pause):
            self._set_out(source)
        for path in politely(list(self.nodes), self.pause):
            self._node_json(path)
        self.node_rows.sort()
        self.edge_rows.sort()
        self.building = False
        self.epoch = epoch
        self._publish()

    # -- one change ----------------------------------------------------------------------
    def _apply(self, changes: list[LoggedChange]) -> None:
        paths = sorted({p for change in changes for p in change.paths})
        ids = sorted({i for change in changes for i in change.ids})
        touched: set[str] = set()  # nodes whose JSON is to be made again
        affected: set[str] = set()  # sources whose out-edges are to be made again
        fresh = {n.path: n for n in self.store.graph_nodes(paths) if not self.rules.hidden(n.path)}
        came_or_went: set[str] = set()
        for path in paths:
            if path in self.nodes and path not in fresh:
                self._drop_node(path)
                came_or_went.add(path)
                affected |= self.into.get(path, set())
            elif path in fresh:
                if path not in self.nodes:
                    came_or_went.add(path)
                self._put_node(fresh[path])
                touched.add(path)
        # [[links]] naming a notebook that came or went, by path or by bare file name
        for path in came_or_went:
            key = path_key(path)
            for target in (key, key.rsplit("/", 1)[-1]):
                affected |= self.link_sources.get(target, set())
        # The links written in the notebooks named, and the targets they may now reach
        retarget = self.store.block_names(paths, ids) | set(ids)
        for path in paths:
            retarget |= self.home_of.get(path, set())
            for kind, target in self.raw.pop(path, {}):
                (self.link_sources if kind == "notebook" else self.ref_sources)[target].discard(
                    path
                )
            affected.add(path)
        self._read_links(paths, set(fresh))
        for path in fresh:
            retarget |= {t for kind, t in self.raw.get(path, {}) if kind != "notebook"}
        affected |= self._resolve({t for t in retarget if self.ref_sources.get(t)})
        for source in affected:
            touched |= self._set_out(source)
        for path in touched:
            if path in self.nodes:
                self._node_json(path)

    # -- the parts -------------------------------------------------------------------------
    def _put_node(self, node: NotebookNode) -> None:
        key = path_key(node.path)
        self.nodes[node.path] = node
        self.keys[key].add(node.path)
        self.names[key.rsplit("/", 1)[-1]].add(key)

    def _drop_node(self, path: str) -> None:
        key = path_key(path)
        del self.nodes[path]
        self.node_rows.drop(path)
        self.keys[key].discard(path)
        if not self.keys[key]:
            del self.keys[key]
            name = key.rsplit("/", 1)[-1]
            self.names[name].discard(key)
            if not self.names[name]:
                del self.names[name]

    def _read_links(self, paths: list[str] | None, visible: set[str]) -> None:
        """Links written in ``paths`` (None: everywhere), kept for visible sources only
        (a hidden notebook's links are not served)."""
        for link in politely(self.store.graph_links(paths), self.pause):
            if link.source not in visible:
                continue
            raw = self.raw.setdefault(link.source, {})
            raw[(link.kind, link.target)] = raw.get((link.kind, link.target), 0) + link.count
            sources = self.link_sources if link.kind == "notebook" else self.ref_sources
            sources[link.target].add(link.source)

    def _resolve(self, targets: set[str]) -> set[str]:
        """Resolve reference targets again; returns the sources of those that moved."""
        homes = self.store.block_homes(sorted(targets))
        moved: set[str] = set()
        for target in politely(targets, self.pause):
            old, new = self.home.get(target), homes.get(target)
            if old == new:
                continue
            if old is not None:
                self.home_of[old].discard(target)
            if new is None:
                del self.home[target]
            else:
                self.home[target] = new
                self.home_of[new].add(target)
            moved |= self.ref_sources.get(target, set())
        return moved

    def _link_home(self, target: str) -> str | None:
        """A ``[[target]]`` among the served notebooks: its path, else a bare file name
        exactly one notebook has (``BlockStore.resolve_notebook_link``)."""
        paths = self.keys.get(target)
        if paths:
            return max(paths)
        if "/" not in target:
            keys = self.names.get(target, set())
            if len(keys) == 1:
                return max(self.keys[next(iter(keys))])
        return None

    def _set_out(self, source: str) -> set[str]:
        """Make the out-edges of ``source`` again; returns the notebooks whose backlinks
        changed."""
        counted: dict[str, tuple[int, set[str]]] = {}
        if source in self.nodes:
            for (kind, target), count in self.raw.get(source, {}).items():
                home = self._link_home(target) if kind == "notebook" else self.home.get(target)
                if home is None or home == source or home not in self.nodes:
                    continue
                sum_, of = counted.get(home, (0, set()))
                counted[home] = (sum_ + count, of | {kind})
        edges = {t: (w, tuple(sorted(k))) for t, (w, k) in counted.items()}
        old = self.out.pop(source, {})
        if edges:
            self.out[source] = edges
        touched: set[str] = set()
        for into, (weight, _) in old.items():
            if edges.get(into) == old[into]:
                continue
            self.backlinks[into] -= weight
            self.into[into].discard(source)
            if into not in edges:
                self.edge_rows.drop((source, into))
            touched.add(into)
        for into, (weight, kinds) in edges.items():
            if old.get(into) == (weight, kinds):
                continue
            self.backlinks[into] += weight
            self.into[into].add(source)
            row = {"source": source, "target": into, "weight": weight, "kinds": list(kinds)}
            self.edge_rows.put((source, into), orjson.dumps(row), self.building)
            touched.add(into)
        return touched

    def _node_json(self, path: str) -> None:
        node = self.nodes[path]
        row = {
            "id": path,
            "title": node.title,
            "blocks": node.blocks,
            "backlinks": self.backlinks.get(path, 0),
        }
        self.node_rows.put(path, orjson.dumps(row), self.building)

    def _publish(self) -> None:
        # The answer as the handler sends it: a join of the rows' JSON texts (a few
        # milliseconds), where serializing 50,000 objects again took tens.
        self.json = (
            b'{"nodes":' + self.node_rows.joined() + b',"edges":' + self.edge_rows.joined() + b"}"
        )

    # -- around one notebook -----------------------------------------------------------
    def local(self, centre: str, depth: int) -> bytes:
        shown, ring = {centre}, {centre}
        for _ in range(depth):
            ring = {n for p in ring for n in (*self.out.get(p, ()), *self.into.get(p, ()))}
            ring -= shown
            shown |= ring
        pairs = sorted((s, t) for s in shown for t in self.out.get(s, ()) if t in shown)
        nodes, edges = self.node_rows.some(sorted(shown)), self.edge_rows.some(pairs)
        return b'{"nodes":' + nodes + b',"edges":' + edges + b"}"


class _Rows(Generic[K]):
    """JSON texts kept in the order of their keys, ready to be joined into a list."""

    def __init__(self) -> None:
        self.keys: list[K] = []
        self.texts: list[bytes] = []
        self.by_key: dict[K, bytes] = {}

    def put(self, key: K, text: bytes, unordered: bool = False) -> None:
        """Add or replace ``key``'s text (``unordered``: leave the order to ``sort``)."""
        if not unordered:
            at = bisect.bisect_left(self.keys, key)
            if key in self.by_key:
                self.texts[at] = text
            else:
                self.keys.insert(at, key)
                self.texts.insert(at, text)
        self.by_key[key] = text

    def drop(self, key: K) -> None:
        if self.by_key.pop(key, None) is not None:
            at = bisect.bisect_left(self.keys, key)
            del self.keys[at]
            del self.texts[at]

    def sort(self) -> None:
        self.keys = sorted(self.by_key)
        self.texts = [self.by_key[key] for key in self.keys]

    def joined(self) -> bytes:
        return b"[" + b",".join(self.texts) + b"]"

    def some(self, keys: list[K]) -> bytes:
        return b"[" + b",".join(self.by_key[key] for key in keys) + b"]"
