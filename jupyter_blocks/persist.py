"""Persisting block ids in notebooks, through the ContentsManager.

A reference is only handed out once its id is in the file: ``ensure_id`` gives an
id-less notebook ids (upgrading it to nbformat 4.5) and ``reassign_ids`` gives a copied
notebook fresh ids for the cells that repeat another notebook's. Each write keeps every
other byte of meaning (checked before writing, in ``ids.py``), keeps the notebook's trust,
and refuses when the file changed under it.
"""

from __future__ import annotations

import asyncio
from datetime import datetime
from typing import Any

import nbformat
from jupyter_core.utils import ensure_async
from jupyter_server.services.contents.manager import ContentsManager

from .ids import IdChange, IdError, add_missing_ids, parse, replace_ids
from .notebook import normalize_path
from .refs import is_block_id
from .service import BlocksService


class Conflict(Exception):
    """The write cannot happen now (the file changed, the notebook is the original...)."""


class BadRequest(Exception):
    """The request names no valid cell."""


class IdKeeper:
    """Writes ids into notebooks for the REST API."""

    def __init__(self, service: BlocksService, contents_manager: ContentsManager) -> None:
        self.service = service
        self.cm = contents_manager
        # One write at a time per notebook: two "copy reference" clicks must not race.
        self._locks: dict[str, asyncio.Lock] = {}

    async def ensure_id(
        self,
        path: str,
        index: int,
        proposed: list[str] | None = None,
        last_modified: str | None = None,
    ) -> dict[str, Any]:
        """The id of the cell at ``index``, written into the notebook first if needed."""
        path = self._notebook_path(path)
        async with self._lock(path):
            model = await self._read(path, last_modified)
            cells = _cells(model["content"])
            if not 0 <= index < len(cells):
                raise BadRequest(f"{path} has {len(cells)} cells: there is no cell {index}.")
            current = cells[index].get("id") if isinstance(cells[index], dict) else None
            if isinstance(current, str) and is_block_id(current):
                return {"id": current, "path": path, "index": index, "written": False}
            change = await asyncio.to_thread(add_missing_ids, model["content"], proposed)
            await self._write(path, model, change)
            return {"id": change.ids[index], "path": path, "index": index, "written": True}

    async def reassign_ids(self, path: str) -> dict[str, Any]:
        """Fresh ids for the cells of a copy that repeat ids of another notebook (or of an
        earlier cell of the same notebook)."""
        path = self._notebook_path(path)
        async with self._lock(path):
            await self.service.sync(path)
            model = await self._read(path, None)
            elsewhere = await self.service.ids_resolving_elsewhere(path)
            seen: set[str] = set()
            indices = []
            for i, cell in enumerate(_cells(model["content"])):
                cell_id = cell.get("id") if isinstance(cell, dict) else None
                if not isinstance(cell_id, str):
                    continue
                if cell_id in elsewhere or cell_id in seen:
                    indices.append(i)
                seen.add(cell_id)
            if not indices:
                copies = await self.service.copies_of(path)
                if copies:
                    raise Conflict(
                        f"{path} is the original: its ids were copied into "
                        f"{', '.join(copies[:5])}. Reassign the ids of the copy instead."
                    )
                return {"path": path, "reassigned": []}
            change = await asyncio.to_thread(replace_ids, model["content"], indices)
            old = _cells(model["content"])
            await self._write(path, model, change)
            return {
                "path": path,
                "reassigned": [
                    {"index": i, "old": old[i].get("id"), "new": new}
                    for i, new in sorted(change.changed.items())
                ],
            }

    # -- steps -------------------------------------------------------------------------
    def _notebook_path(self, path: str) -> str:
        path = normalize_path(path)
        if not path.endswith(".ipynb"):
            raise BadRequest(f"{path or 'An empty path'} is not a notebook (.ipynb) path.")
        return path

    def _lock(self, path: str) -> asyncio.Lock:
        return self._locks.setdefault(path, asyncio.Lock())

    async def _read(self, path: str, last_modified: str | None) -> dict[str, Any]:
        """The notebook's text and timestamp, through the ContentsManager (which refuses
        paths outside the root and hidden files)."""
        model = await ensure_async(self.cm.get(path, content=True, type="file", format="text"))
        if last_modified is not None and _stamp(model) != _stamp({"last_modified": last_modified}):
            raise Conflict(
                f"{path} changed on disk since it was opened: reload it, then try again."
            )
        return dict(model)

    async def _write(self, path: str, model: dict[str, Any], change: IdChange) -> None:
        node = nbformat.from_dict(change.notebook)
        notary = getattr(self.cm, "notary", None)
        if notary is not None and await self._was_trusted(model["content"]):
            # The user trusted this notebook: the ContentsManager signs it again on save
            # when its code cells are marked trusted.
            notary.mark_cells(node, True)
        now = await ensure_async(self.cm.get(path, content=False))
        if _stamp(now) != _stamp(model):
            raise Conflict(f"{path} changed on disk meanwhile: nothing was written. Try again.")
        await ensure_async(
            self.cm.save({"type": "notebook", "format": "json", "content": node}, path)
        )
        await self.service.sync(path)

    async def _was_trusted(self, text: str) -> bool:
        notary = getattr(self.cm, "notary", None)
        if notary is None:
            return False

        def signature() -> str | None:
            try:
                return notary.compute_signature(nbformat.reads(text, as_version=4))
            except Exception:
                return None

        digest = await asyncio.to_thread(signature)
        return bool(digest) and bool(notary.store.check_signature(digest, notary.algorithm))


def _cells(text: str) -> list[Any]:
    try:
        cells: list[Any] = parse(text)["cells"]
    except IdError as error:
        raise Conflict(str(error)) from None
    return cells


def _stamp(model: Any) -> datetime | None:
    """A model's last_modified as a datetime (the frontend sends it as ISO text)."""
    value = model.get("last_modified")
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            return None
    return value if isinstance(value, datetime) else None
