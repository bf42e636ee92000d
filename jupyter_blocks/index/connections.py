"""Unlinked references, as the REST API serves them: a notebook or block named in prose
elsewhere, without a link (``mentions.py``). The graph of notebooks is in
``notebook_graph.py``.

They run in a reader thread (``StoreGuard.read``) on the store's reads, and serve only
what the server would: nothing from a hidden file (``TreeRules.hidden``: hidden names,
``ContentsManager.hide_globs``).
"""

from __future__ import annotations

import hashlib
import posixpath
import re
import time
from typing import Any

from ..links.mentions import find_mentions
from ..notebooks.textnotebooks import is_notebook_name
from ..store import Block, BlockStore
from .tree import TreeRules

# Candidate cells read from the full-text index per name, and entries served.
MAX_CANDIDATES = 500
MAX_UNLINKED = 200
SNIPPET_CHARS = 160


def source_digest(source: str) -> str:
    """What the Link action sends back to say which version of a cell it read: the
    SHA-256 of its source (lines joined), in hex."""
    return hashlib.sha256(source.encode("utf-8", "surrogatepass")).hexdigest()


def notebook_names(path: str, title: str) -> list[str]:
    """What names a notebook in prose: its title (first heading), then its file name
    without ``.ipynb`` (each once, compared without case)."""
    name = path.rsplit("/", 1)[-1]
    stem = posixpath.splitext(name)[0] if is_notebook_name(name) else name
    names: list[str] = []
    for candidate in (title.strip(), stem.strip()):
        if candidate and candidate.casefold() not in {n.casefold() for n in names}:
            names.append(candidate)
    return names


def notebook_link(path: str) -> str | None:
    """``[[path]]`` for a notebook, or None when its path cannot be written in one (it
    holds a bracket or a line break)."""
    return None if re.search(r"[\[\]\n]", path) else f"[[{path}]]"


def unlinked_of_notebook(
    store: BlockStore, rules: TreeRules, path: str, budget_ms: int
) -> dict[str, Any] | None:
    """``{"path", "unlinked", "complete"}`` for the notebook at ``path`` (compared in
    NFC), or None when the index holds no notebook the server would serve there."""
    real = store.real_path(path)
    if real is None or rules.hidden(real):
        return None
    names = notebook_names(real, store.notebook_title(real) or "")
    found, complete = _unlinked(store, rules, names, real, None, notebook_link(real), budget_ms)
    return {"path": path, "unlinked": found, "complete": complete}


def unlinked_of_block(
    store: BlockStore, rules: TreeRules, target: str, budget_ms: int
) -> dict[str, Any] | None:
    """``{"id", "unlinked", "complete"}`` for the block ``target`` (an id or label)
    names, by its label (a block without one has none); None when no live block the
    server would serve answers to ``target``."""
    block = store.get_blocks([target]).get(target)
    if block is None or block.deleted or rules.hidden(block.path):
        return None
    names = [block.label] if block.label else []
    link = f"(({block.label}))" if block.label else None
    cell = (block.path, block.index)
    found, complete = _unlinked(store, rules, names, "", cell, link, budget_ms)
    return {"id": target, "unlinked": found, "complete": complete}


def _unlinked(
    store: BlockStore,
    rules: TreeRules,
    names: list[str],
    exclude_path: str,
    exclude_cell: tuple[str, int] | None,
    link: str | None,
    budget_ms: int,
) -> tuple[list[dict[str, Any]], bool]:
    """Mentions of ``names`` in other cells, in order of path, cell and place. The
    full-text index gives candidates within ``budget_ms``; confirming them with the
    markdown parse ends ``2 * budget_ms`` after the start (as a search takes at most
    about twice its budget); past either, the list is cut (flag False)."""
    complete = True
    candidates: dict[tuple[str, int], Block] = {}
    start = time.monotonic()
    for name in names:
        left = max(1, int((start + budget_ms / 1000 - time.monotonic()) * 1000))
        blocks, whole = store.blocks_mentioning(name, exclude_path, MAX_CANDIDATES, left)
        complete = complete and whole
        for block in blocks:
            candidates.setdefault((block.path, block.index), block)
    end = start + 2 * budget_ms / 1000
    found: list[dict[str, Any]] = []
    for key in sorted(candidates):
        if key == exclude_cell or rules.hidden(key[0]):
            continue
        if time.monotonic() > end or len(found) >= MAX_UNLINKED:
            complete = False
            break
        block = candidates[key]
        for mention in find_mentions(block.source, names):
            found.append(
                {
                    "id": block.id,
                    "path": block.path,
                    "index": block.index,
                    "snippet": _snippet(block.source, mention.start, mention.end),
                    "match": block.source[mention.start : mention.end],
                    "name": mention.name,
                    "start": mention.start,
                    "end": mention.end,
                    "link": link,
                    "digest": source_digest(block.source),
                }
            )
    return found[:MAX_UNLINKED], complete


def _snippet(source: str, start: int, end: int) -> str:
    """One line of ``source`` around ``source[start:end]``."""
    begin = max(0, start - (SNIPPET_CHARS - (end - start)) // 2)
    text = re.sub(r"\s+", " ", source[begin : begin + SNIPPET_CHARS]).strip()
    return ("…" if begin else "") + text + ("…" if begin + SNIPPET_CHARS < len(source) else "")
