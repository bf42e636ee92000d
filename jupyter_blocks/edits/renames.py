"""Names that change, and the references that follow them (issue 19):

- ``label``: the source of a cell with a label set in the form its cell type uses
  (``labels.with_label``), refusing a label another block holds or that is an id;
- ``rename_label``: a label renamed in its cell and in every reference to it, under the
  whole root. Notebooks the caller has open are not written: their edits come back,
  for the client to apply to its open models (the user's own edit, saved with theirs);
  the others are written through the ContentsManager, and a notebook whose cell
  changed since it was indexed is refused (listed with the reason), never overwritten;
- ``follow_move``: after a notebook or folder is renamed through Jupyter, the
  ``[[old/path.ipynb]]`` links to it in other notebooks name the new path, with the
  same write rules.

Every answer lists what was written (``written``: path and cell indices), what is left
to the client (``edits``: path, index, source as indexed, new source) and what was
refused (``refused``: path and reason).
"""

from __future__ import annotations

import posixpath
import time
from collections import defaultdict
from typing import Any

from ..index.service import BlocksService
from ..links.labels import with_label, yaml_reads_as_text
from ..links.refs import is_target
from ..links.rewrites import move_links, retarget
from ..notebooks.notebook import normalize_path
from ..store import Backlink
from ..store.records import path_key
from .persist import BadRequest, Conflict, IdKeeper

Edits = dict[str, dict[int, tuple[str, str]]]  # path -> index -> (before, after)


# Seconds the server waits, after a rename made through Jupyter, for the browser that
# made it to ask for its links to follow (that browser edits its open notebooks
# itself); past it, the server rewrites them all on disk (a rename made through the
# REST API, a script).
FOLLOW_GRACE = 2.0


class MoveClaims:
    """The renames a client asked to follow itself (``POST follow-move``), so that the
    server's own follow-up of the same rename does nothing."""

    def __init__(self) -> None:
        self._claimed: dict[tuple[str, str], float] = {}

    def claim(self, old: str, new: str) -> None:
        now = time.monotonic()
        self._claimed = {k: t for k, t in self._claimed.items() if now - t < 60}
        self._claimed[(path_key(normalize_path(old)), path_key(normalize_path(new)))] = now

    def claimed(self, old: str, new: str) -> bool:
        key = (path_key(normalize_path(old)), path_key(normalize_path(new)))
        return key in self._claimed


class LabelTaken(Conflict):
    """The label is already another block's label, or an id."""


class Renames:
    def __init__(self, service: BlocksService, keeper: IdKeeper) -> None:
        self.service = service
        self.keeper = keeper

    async def label(self, cell_type: str, source: str, label: str, own: str | None) -> str:
        """The source with ``label`` set. ``own``: the cell's id (its own label, or a
        label it holds already, is not "taken")."""
        await self._free(label, own)
        if cell_type not in ("code", "markdown"):
            raise BadRequest("Only code and markdown cells have labels.")
        return with_label(cell_type, source, label)

    async def rename_label(self, label: str, new: str, open_paths: list[str]) -> dict[str, Any]:
        """Rename ``label`` to ``new`` where it is declared and everywhere it is
        referenced (references by the block's id are left as they are)."""
        holder = (await self.service.live_blocks([label])).get(label)
        edits: Edits = defaultdict(dict)
        if holder is not None and holder.label == label:
            await self._free(new, holder.id)
            declaring = [holder]
            # References say the label: they follow it.
            links = await self.service.read(self.service.store.links_to, [label], ("ref", "embed"))
            for link in links:
                _add(edits, link, lambda source: retarget(source, label, new))
        else:
            # No reference reaches a block by this label (a block's id of the same name
            # wins): renaming it is how the clash is settled. The label's first holder
            # is renamed, as when nothing shadows it; references are left as they are
            # (they name the id).
            declaring = await self.service.read(self.service.store.labelled, label, 1)
            if not declaring:
                raise BadRequest(f"No block is labelled {label}.")
            await self._free(new, declaring[0].id)
        for block in declaring:
            edits[block.path][block.index] = (
                block.source,
                with_label(block.cell_type, block.source, new),
            )
        return await self._apply(edits, open_paths)

    async def follow_move(self, old: str, new: str, open_paths: list[str]) -> dict[str, Any]:
        """Links to ``old`` (a notebook, or a folder of notebooks) name ``new``."""
        old, new = normalize_path(old), normalize_path(new)
        # The index follows the move first (blocks keep their identity), so that the
        # moved notebook's own links are found at their new place.
        await self.service.apply_rename(old, new)
        key = path_key(old)
        kinds = ("notebook",)
        targets = [key]
        name = posixpath.basename(key)
        bare = None
        if key.endswith(".ipynb"):
            new_name = posixpath.basename(new)
            # A bare [[name.ipynb]] found the notebook: it keeps finding it by its new
            # name when that name is unique, else it names the full path.
            named = await self.service.read(self.service.store.notebook_paths_named, new_name)
            bare = new_name if len(named) <= 1 else new
            targets.append(name)
        links = await self.service.read(self.service.store.links_to, targets, kinds, key + "/")
        edits: Edits = defaultdict(dict)
        for link in links:
            _add(edits, link, lambda source: move_links(source, old, new, bare))
        return await self._apply(edits, open_paths)

    async def _free(self, label: str, own: str | None) -> None:
        if not is_target(label):
            raise BadRequest(
                f"{label[:80]!r} cannot be a label: use letters, digits, '-', '_', '.' or "
                "':' (no spaces)."
            )
        if not yaml_reads_as_text(label):
            raise BadRequest(
                f"{label} cannot be a label: Quarto and MyST read it as a boolean, a "
                "number, a date or nothing, not as a name. Use a word (for example "
                f"fig-{label})."
            )
        holder = (await self.service.live_blocks([label])).get(label)
        if holder is not None and holder.id != own:
            where = f"{holder.path} cell {holder.index + 1}"
            what = "the id" if holder.id == label else "the label"
            raise LabelTaken(f"{label} is already {what} of a block ({where}).")

    async def _apply(self, edits: Edits, open_paths: list[str]) -> dict[str, Any]:
        opened = {path_key(normalize_path(p)) for p in open_paths}
        written: list[dict[str, Any]] = []
        refused: list[dict[str, Any]] = []
        left: list[dict[str, Any]] = []
        for path, cells in sorted(edits.items()):
            if path_key(path) in opened:
                left.extend(
                    {"path": path, "index": i, "source": before, "new_source": after}
                    for i, (before, after) in sorted(cells.items())
                )
                continue
            try:
                await self.keeper.rewrite_sources(path, cells)
            except Exception as error:  # one notebook refused: the others still go
                refused.append({"path": path, "reason": str(error)})
                continue
            written.append({"path": path, "cells": sorted(cells)})
        return {"written": written, "edits": left, "refused": refused}


def _add(edits: Edits, link: Backlink, change: Any) -> None:
    """The edit of one referencing cell, on top of an edit already planned there."""
    before = edits[link.path].get(link.index, (link.source, link.source))
    after = change(before[1])
    if after is not None:
        edits[link.path][link.index] = (before[0], after)
