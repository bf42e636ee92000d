"""The graph of notebooks, as the REST API serves it: notebooks as nodes, and the
references, embeds and ``[[links]]`` written in one to another as weighted edges.

Runs in a reader thread on the store's reads (``notebook_nodes``, ``notebook_edges``)
and serves only what the server would: no hidden file (``TreeRules.hidden``). The whole
graph is assembled once per answer of the store: a store that keeps its answers until
the index changes (SQLite: ``data_version``) returns the same lists, and the assembled
graph is reused with them.
"""

from __future__ import annotations

import threading
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from .indexer import TreeRules
from .store import BlockStore
from .store.base import NotebookEdge, NotebookNode, path_key

_KEEP = 4  # assembled graphs kept (one per reader thread, about)


@dataclass(frozen=True)
class _Whole:
    nodes_read: list[NotebookNode]  # what it was assembled from (kept: ids stay valid)
    edges_read: list[NotebookEdge]
    json: dict[str, Any]
    paths: frozenset[str]
    near: dict[str, set[str]]


_cache: dict[tuple[int, int, TreeRules], _Whole] = {}
_lock = threading.Lock()


def notebook_graph(
    store: BlockStore, rules: TreeRules, path: str | None = None, depth: int = 1
) -> dict[str, Any] | None:
    """``{"nodes": [{"id": path, "title", "blocks", "backlinks"}], "edges": [{"source",
    "target", "weight", "kinds"}]}``, sorted. An edge counts the references, embeds and
    ``[[links]]`` written in ``source``'s cells to ``target`` (``weight``; links within
    one notebook are left out) and says which kinds they are; a notebook's
    ``backlinks`` is the weight of every edge into it. With ``path``: only the
    notebooks within ``depth`` links of it (either way), or None when the index does
    not hold it. Notebook links resolve as ``BlockStore.resolve_notebook_link`` does."""
    whole = _whole(store, rules)
    if path is None:
        return whole.json
    centre = store.real_path(path)
    if centre is None or centre not in whole.paths:
        return None
    shown, ring = {centre}, {centre}
    for _ in range(depth):
        ring = {n for p in ring for n in whole.near.get(p, ())} - shown
        shown |= ring
    return {
        "nodes": [n for n in whole.json["nodes"] if n["id"] in shown],
        "edges": [e for e in whole.json["edges"] if e["source"] in shown and e["target"] in shown],
    }


def _whole(store: BlockStore, rules: TreeRules) -> _Whole:
    nodes_read, edges_read = store.notebook_nodes(), store.notebook_edges()
    key = (id(nodes_read), id(edges_read), rules)
    with _lock:
        hit = _cache.get(key)
    if hit is not None and hit.nodes_read is nodes_read and hit.edges_read is edges_read:
        return hit
    whole = _assemble(nodes_read, edges_read, rules)
    with _lock:
        while len(_cache) >= _KEEP:
            del _cache[next(iter(_cache))]
        _cache[key] = whole
    return whole


def _assemble(
    nodes_read: list[NotebookNode], edges_read: list[NotebookEdge], rules: TreeRules
) -> _Whole:
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
    near: dict[str, set[str]] = defaultdict(set)
    for (source, into), (weight, _) in edges.items():
        backlinks[into] += weight
        near[source].add(into)
        near[into].add(source)
    json = {
        "nodes": [
            {"id": p, "title": n.title, "blocks": n.blocks, "backlinks": backlinks[p]}
            for p, n in sorted(nodes.items())
        ],
        "edges": [
            {"source": s, "target": t, "weight": w, "kinds": sorted(k)}
            for (s, t), (w, k) in sorted(edges.items())
        ],
    }
    return _Whole(nodes_read, edges_read, json, frozenset(nodes), dict(near))
