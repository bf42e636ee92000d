"""Blocks as the REST API serves them: with their cells' content read from their files,
and whether the user trusts the notebook they come from."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from nbformat.sign import NotebookNotary

from ..notebooks.cells import NotebookReader, Served
from ..store import Block
from .tree import TreeRules
from .views import block_json


def with_content(
    blocks: list[Block],
    rules: TreeRules,
    reader: NotebookReader,
    notary: NotebookNotary | None,
    loop_call: Callable[..., None],
    enqueue: Callable[[str], None],
) -> list[dict[str, Any] | None]:
    """Blocks as served, with outputs read from their files (each file read once,
    ``cells.NotebookReader.served``); None for a block not to serve. Runs on a reader
    thread; ``loop_call(enqueue, path)`` asks the event loop to look at a file again."""
    wanted: dict[str, list[tuple[str | None, int]]] = {}
    hidden: set[str] = set()
    for block in blocks:
        if block.deleted or block.path in hidden:
            continue
        if block.path not in wanted:
            if not rules.allows(block.path):
                # The file was hidden or swapped for a symlink out of the root since
                # it was indexed: serve nothing from it, and let the index catch up.
                loop_call(enqueue, block.path)
                hidden.add(block.path)
                continue
            wanted[block.path] = []
        wanted[block.path].append((block.id, block.index))
    files: dict[str, Served | None] = {
        path: reader.served(rules.os_path(path), cells, notary) for path, cells in wanted.items()
    }
    served: list[dict[str, Any] | None] = []
    for block in blocks:
        if not block.deleted and block.path in hidden:
            served.append(None)
            continue
        content = None if block.deleted else files.get(block.path)
        cell = content.cell(block.id, block.index) if content else None
        signature = content.signature if content is not None else None
        served.append(block_json(block, cell, signature, content.data if content else None))
    return served


def is_trusted(signature: str | None, notary: NotebookNotary | None) -> bool:
    """Whether this user trusts the notebook, by Jupyter's own signatures (never a flag
    read from the file). Asked each time: the user may trust a notebook at any moment
    without changing it. Runs on the event loop, which owns the notary's database."""
    if not signature or notary is None:
        return False
    try:
        return bool(notary.store.check_signature(signature, notary.algorithm))
    except Exception:
        return False
