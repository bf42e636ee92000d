"""The graph of notebooks, as the REST API serves it: notebooks as nodes, and the
references, embeds and ``[[links]]`` written in one to another as weighted edges.

Runs in a reader thread on the store's reads and serves only what the server would: no
hidden file (``TreeRules.hidden``). The whole graph is kept and follows the index
notebook by notebook (``kept_graph.py``); ``full_graph`` assembles it afresh from the
whole index, which is what the kept one must equal.
"""

from __future__ import annotations

import threading
import weakref
from collections import defaultdict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from ..store import BlockStore
from ..store.records import NotebookEdge, NotebookNode, path_key
from .kept_graph import KeptGraph, give_turn
from .tree import TreeRules

_lock = threading.Lock()
_count_lock = threading.Lock()
_waiting = 0  # readers of the graph waiting for _lock


@contextmanager
def _turn() -> Iterator[None]:
    """Hold ``_lock``, counted in ``_waiting`` while waiting for it."""
    global _waiting
    with _count_lock:
        _waiting += 1
    try:
        _lock.acquire()
    finally:
        with _count_lock:
            _waiting -= 1
    try:
        yield
    finally:
        _lock.release()


_kept: weakref.WeakKeyDictionary[BlockStore, dict[TreeRules, KeptGraph]] = (
    weakref.WeakKeyDictionary()
)


def notebook_graph(
    store: BlockStore,
    rules: TreeRules,
    path: str | None = None,
    depth: int = 1,
    step_aside: Callable[[], None] | None = None,
) -> bytes | None:
    """As JSON text: ``{"nodes": [{"id": path, "title", "blocks", "backlinks"}],
    "edges": [{"source", "target", "weight", "kinds"}]}``, sorted. An edge counts the
    references, embeds and ``[[links]]`` written in ``source``'s cells to ``target``
    (``weight``; links within one notebook are left out) and says which kinds they
    are; a notebook's ``backlinks`` is the weight of every edge into it. With
    ``path``: only the notebooks within ``depth`` links of it (either way), or None
    when the index does not hold it. Notebook links resolve as
    ``BlockStore.resolve_notebook_link`` does. The whole graph is kept, and brought up
    to date with the store's change log at every call (``kept_graph.py``): one thread
    does it while the others wait. ``step_aside``: for a call no reader waits for (the
    first assembly, after a scan), called between steps of the work while no reader
    waits for the graph (``StoreGuard.step_aside``)."""
    centre = None if path is None else store.real_path(path)

    def pause() -> None:
        if step_aside is None or _waiting:  # a reader waits: hurry
            give_turn()
        else:
            step_aside()

    with _turn():
        kept = _kept.setdefault(store, {}).get(rules)
        if kept is None:
            kept = _kept[store][rules] = KeptGraph(store, rules)
        kept.refresh(pause)
        if path is None:
            return kept.json
        if centre is None or centre not in kept.nodes:
            return None
        return kept.local(centre, depth)


def full_graph(store: BlockStore, rules: TreeRules) -> dict[str, Any]:
    """The whole graph assembled afresh from every notebook and link of the index (what
    the kept graph must equal; seconds at 10,000 notebooks)."""
    return _assemble(store.notebook_nodes(), store.notebook_edges(), rules)


def _assemble(
    nodes_read: list[NotebookNode], edges_read: list[NotebookEdge], rules: TreeRules
) -> dict[str, Any]:
    nodes = {n.path: n for n in nodes_read if not rules.hidden(n.path)}
    by_key = {path_key(p): p for p in nodes}
    by_name: dict[str, list[str]] = defaultdict(list)
    for key, real in by_key.items():
        by_name[key.rsplit("/", 1)[-1]].append(real)
    edges: dict[tuple[str, str], tuple[int, set[str]]] = {}
    for edge in edges_read:
        target: str | None = edge.target
        if edge.kind == "notebook":
            target = by_key.get(edge.target)
            if target is None and "/" not in edge.target:
                named = by_name.get(edge.target, [])
                target = named[0] if len(named) == 1 else None
        if target is None or target == edge.source or edge.source not in nodes:
            continue
        if target not in nodes:
            continue
        weight, kinds = edges.get((edge.source, target), (0, set()))
        edges[(edge.source, target)] = (weight + edge.count, kinds | {edge.kind})
    backlinks: dict[str, int] = defaultdict(int)
    for (_, into), (weight, _) in edges.items():
        backlinks[into] += weight
    return {
        "nodes": [
            {"id": p, "title": n.title, "blocks": n.blocks, "backlinks": backlinks[p]}
            for p, n in sorted(nodes.items())
        ],
        "edges": [
            {"source": s, "target": t, "weight": w, "kinds": sorted(k)}
            for (s, t), (w, k) in sorted(edges.items())
        ],
    }
