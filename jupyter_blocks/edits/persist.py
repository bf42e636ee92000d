"""Persisting block ids in notebooks, through the ContentsManager.

A reference is only handed out once its id is in the file: ``ensure_id`` gives an
id-less notebook ids (upgrading it to nbformat 4.5) and ``reassign_ids`` gives a copied
notebook fresh ids for the cells that repeat another notebook's. Every write:

- keeps every other byte of meaning (checked before writing, in ``ids.py``) and the
  notebook's trust;
- hands out an id that resolves to the very cell asked for: a cell whose id another
  cell holds first (a ``cp`` copy, or the same id twice in one notebook) gets a fresh
  one, and so does an id that breaks the schema;
- stays inside the root: the real path (links resolved) is checked when the file is
  read and again at the moment of the write, as is hidden-ness;
- is made only over the exact bytes that were read, compared at the moment of the
  write: the comparison and the ContentsManager's own write run in one stretch of the
  event loop (no other request or event runs in between); a file modified by another
  program less than QUIET_NS ago is given that long to rest, and left alone (409) if it
  is written again meanwhile: it is being rewritten; and the
  file is read again afterwards: if it no longer holds the ids written, another
  program wrote last, and its version stands (409).

What no program can do without the other writer's cooperation (a lock both honour) is
exclude a write landing in the same fraction of a millisecond as the ContentsManager's
own; the quiet rule keeps ensure-id away from files that are being rewritten.
"""

from __future__ import annotations

import posixpath
from typing import Any

from ..notebooks.ids import (
    IdError,
    add_missing_ids,
    new_id,
    replace_ids,
    replace_sources,
    valid_id,
)
from ..notebooks.notebook import Skip
from ..notebooks.textnotebooks import decode, is_text_name, read_text
from ..notebooks.textwrites import replace_sources as text_replace_sources
from ..notebooks.textwrites import set_id
from .writesteps import BadRequest, Conflict, NotFound, Refused, WriteSteps, _cells


class IdKeeper(WriteSteps):
    """Writes ids into notebooks for the REST API."""

    async def ensure_id(
        self,
        path: str,
        index: int,
        proposed: list[str] | None = None,
        last_modified: str | None = None,
    ) -> dict[str, Any]:
        """The id of the cell at ``index``, written into the notebook first if needed.
        ``proposed``: the ids the open document gave its cells (used for cells without
        one, unless another block already holds them)."""
        path = self._notebook_path(path)
        if is_text_name(path):
            return await self._ensure_text_id(path, index, proposed, last_modified)
        async with self._lock(path):
            os_path = self._checked(path)
            data, text = await self._read(path, os_path, last_modified)
            self._in_step(path, os_path, text)
            cells = _cells(text)
            if not 0 <= index < len(cells):
                raise BadRequest(f"{path} has {len(cells)} cells: there is no cell {index}.")
            current = cells[index].get("id") if isinstance(cells[index], dict) else None
            if isinstance(current, str) and valid_id(current):
                if await self._resolves_here(path, index, current, cells):
                    return {"id": current, "path": path, "index": index, "written": False}
                # Another cell holds this id first: this one gets its own.
                change = await self.service.guard.work(replace_ids, text, [index])
            else:
                usable = await self._usable_proposals(proposed)
                change = await self.service.guard.work(add_missing_ids, text, usable)
            await self._write(path, os_path, data, text, change)
            return {"id": change.ids[index], "path": path, "index": index, "written": True}

    async def _ensure_text_id(
        self, path: str, index: int, proposed: list[str] | None, last_modified: str | None
    ) -> dict[str, Any]:
        """``ensure_id`` for a text notebook: the id goes into the cell's metadata in
        the format's own syntax (``textwrites.set_id``), every other byte kept."""
        async with self._lock(path):
            os_path = self._checked(path)
            data, _ = await self._read(path, os_path, last_modified)
            name = posixpath.basename(path)
            try:
                nb = await self.service.guard.work(read_text, decode(data), name)
            except Skip as skip:
                raise Conflict(f"{path} cannot be read as a notebook: {skip}.") from None
            if not 0 <= index < len(nb.cells):
                raise BadRequest(f"{path} has {len(nb.cells)} cells: there is no cell {index}.")
            current = nb.cells[index].get("id")
            here = isinstance(current, str) and valid_id(current)
            if here and await self._resolves_here(path, index, current, nb.cells):
                return {"id": current, "path": path, "index": index, "written": False}
            usable = await self._usable_proposals(proposed)
            offered = usable[index] if usable and index < len(usable) else ""
            taken = {c.get("id") for c in nb.cells}
            cell_id = offered if valid_id(offered) and offered not in taken else new_id()
            try:
                changed = await self.service.guard.work(set_id, data, name, index, cell_id)
            except IdError as error:
                raise Conflict(f"{path}: {error}.") from None
            await self._write_text(path, os_path, data, changed)
            return {"id": cell_id, "path": path, "index": index, "written": True}

    async def reassign_ids(self, path: str) -> dict[str, Any]:
        """Fresh ids for the cells of a copy that repeat ids of another notebook (or of an
        earlier cell of the same notebook)."""
        path = self._notebook_path(path)
        async with self._lock(path):
            os_path = self._checked(path)
            await self.service.sync(path)
            data, text = await self._read(path, os_path, None)
            elsewhere = await self.service.ids_resolving_elsewhere(path)
            seen: set[str] = set()
            indices = []
            for i, cell in enumerate(_cells(text)):
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
            change = await self.service.guard.work(replace_ids, text, indices)
            old = _cells(text)
            await self._write(path, os_path, data, text, change)
            return {
                "path": path,
                "reassigned": [
                    {"index": i, "old": old[i].get("id"), "new": new}
                    for i, new in sorted(change.changed.items())
                ],
            }

    async def rewrite_sources(self, path: str, edits: dict[int, tuple[str, str]]) -> None:
        """New sources for cells of a notebook (index -> (source as indexed, new
        source)), through the ContentsManager with the same checks as ids. Raises
        Conflict when a cell changed since it was indexed, or the file is being written:
        nothing is written then."""
        path = self._notebook_path(path)
        async with self._lock(path):
            os_path = self._checked(path)
            data, text = await self._read(path, os_path, None)
            if is_text_name(path):
                try:
                    name = posixpath.basename(path)
                    changed = await self.service.guard.work(text_replace_sources, data, name, edits)
                except (IdError, Skip) as error:
                    raise Conflict(f"{path}: {error}.") from None
                await self._write_text(path, os_path, data, changed)
                return
            self._in_step(path, os_path, text)
            try:
                change = await self.service.guard.work(replace_sources, text, edits)
            except IdError as error:
                raise Conflict(f"{path}: {error}.") from None
            await self._write(path, os_path, data, text, change)

    # -- steps -------------------------------------------------------------------------


__all__ = ["BadRequest", "Conflict", "IdKeeper", "NotFound", "Refused"]
