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

import asyncio
import contextlib
import os
import posixpath
import stat
import time
from datetime import datetime
from typing import Any

import nbformat
from jupyter_core.utils import ensure_async
from jupyter_server.services.contents.manager import ContentsManager

from .files import read_regular
from .ids import (
    IdChange,
    IdError,
    add_missing_ids,
    new_id,
    parse,
    replace_ids,
    replace_sources,
    valid_id,
)
from .ids import parse as _parse_json
from .notebook import Skip, normalize_path
from .service import BlocksService, IndexUnavailable
from .textnotebooks import decode, is_notebook_name, is_text_name, paired_text, read_text
from .textwrites import replace_sources as text_replace_sources
from .textwrites import set_id

# A file modified by someone else this recently may be being written: the write waits
# for it to rest this long once, and is refused if it is written again meanwhile.
QUIET_NS = 200 * 10**6


class Conflict(Exception):
    """The write cannot happen now (the file changed, the notebook is the original...)."""


class BadRequest(Exception):
    """The request names no valid cell."""


class NotFound(Exception):
    """No notebook the server would serve is at that path."""


class Refused(Exception):
    """The path leads outside the server root: nothing is written there."""


class IdKeeper:
    """Writes ids into notebooks for the REST API."""

    def __init__(self, service: BlocksService, contents_manager: ContentsManager) -> None:
        self.service = service
        self.cm = contents_manager
        # One write at a time per notebook: two "copy reference" clicks must not race.
        self._locks: dict[str, asyncio.Lock] = {}
        # The file state each of our own writes left: not "another program writing".
        self._ours: dict[str, tuple[int, int]] = {}

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
                change = await asyncio.to_thread(replace_ids, text, [index])
            else:
                usable = await self._usable_proposals(proposed)
                change = await asyncio.to_thread(add_missing_ids, text, usable)
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
                nb = await asyncio.to_thread(read_text, decode(data), name)
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
                changed = await asyncio.to_thread(set_id, data, name, index, cell_id)
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
            change = await asyncio.to_thread(replace_ids, text, indices)
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
                    changed = await asyncio.to_thread(text_replace_sources, data, name, edits)
                except (IdError, Skip) as error:
                    raise Conflict(f"{path}: {error}.") from None
                await self._write_text(path, os_path, data, changed)
                return
            self._in_step(path, os_path, text)
            try:
                change = await asyncio.to_thread(replace_sources, text, edits)
            except IdError as error:
                raise Conflict(f"{path}: {error}.") from None
            await self._write(path, os_path, data, text, change)

    # -- steps -------------------------------------------------------------------------
    def _notebook_path(self, path: str) -> str:
        path = normalize_path(path)
        if not is_notebook_name(path):
            raise BadRequest(
                f"{path or 'An empty path'} is not a notebook path (.ipynb, or a text "
                "notebook: .py, .md, .Rmd, .qmd)."
            )
        return path

    def _in_step(self, path: str, os_path: str, text: str) -> None:
        """Refuse to write an ``.ipynb`` whose paired text file is newer: its cells as
        served come from the text, and would not be the ones written."""
        try:
            partner = paired_text(os_path, _parse_json(text))
            if partner is None or os.stat(partner).st_mtime_ns <= os.stat(os_path).st_mtime_ns:
                return
        except (OSError, IdError):
            return
        raise Conflict(
            f"{path} is paired with {posixpath.basename(partner)}, which is newer: open "
            "the notebook in JupyterLab (with jupytext) and save it so that both agree, "
            "then try again."
        )

    def _lock(self, path: str) -> asyncio.Lock:
        return self._locks.setdefault(path, asyncio.Lock())

    def _checked(self, path: str) -> str:
        """The notebook's file, if ids may be written there: not hidden, inside the root
        once its links are resolved, a regular file within the size limit."""
        rules = self.service.rules
        if rules.hidden(path):
            raise NotFound(f"No notebook at {path}.")
        os_path = rules.os_path(path)
        if not os.path.lexists(os_path):
            raise NotFound(f"No notebook at {path}.")
        if not rules.inside(path):
            raise Refused(
                f"{path} leads outside the server root (a symbolic link): ids are only "
                "written inside the root."
            )
        try:
            st = os.stat(os_path)
        except (OSError, ValueError):
            raise NotFound(f"No notebook at {path}.") from None
        if not stat.S_ISREG(st.st_mode):
            raise BadRequest(f"{path} is not a regular file.")
        limit = self.service.indexer.max_size
        if st.st_size > limit:
            raise BadRequest(
                f"{path} is larger than the limit of {limit // 2**20} MiB "
                "(c.BlocksExtension.max_notebook_size): no ids are written into it."
            )
        return os_path

    async def _read(self, path: str, os_path: str, last_modified: str | None) -> tuple[bytes, str]:
        """The notebook's bytes and text. The ContentsManager is asked first, so that
        its own rules (hidden files, what it serves) apply, and for its timestamp."""
        model = await ensure_async(self.cm.get(path, content=False))
        if last_modified is not None and _stamp(model) != _stamp({"last_modified": last_modified}):
            raise Conflict(
                f"{path} changed on disk since it was opened: reload it, then try again."
            )
        try:
            data = await asyncio.to_thread(read_regular, os_path, self.service.indexer.max_size)
        except OSError as error:
            raise BadRequest(f"{path} cannot be read ({error.strerror or error}).") from None
        try:
            return data, data.decode("utf-8")
        except UnicodeDecodeError:
            raise Conflict(f"{path} is not valid UTF-8: fix it first.") from None

    async def _resolves_here(self, path: str, index: int, cell_id: str, cells: list[Any]) -> bool:
        """Whether ``cell_id`` names the cell at ``index`` of ``path`` for every reader:
        no earlier cell of the notebook holds it, nor a block indexed before it."""
        for cell in cells[:index]:
            if isinstance(cell, dict) and cell.get("id") == cell_id:
                return False
        await self.service.sync(path)
        block = await self.service.resolves_to(cell_id)
        # Not indexed (a notebook the index skips): nothing else holds the id either.
        return block is None or (block.path, block.index) == (path, index)

    async def _usable_proposals(self, proposed: list[str] | None) -> list[str] | None:
        """The open document's ids, but for those a live block already holds (a reference
        to them resolves there): those cells get fresh ids instead."""
        if proposed is None:
            return None
        taken = await self.service.live_blocks([i for i in proposed if valid_id(i)])
        return ["" if i in taken else i for i in proposed]

    async def _write(
        self, path: str, os_path: str, data: bytes, text: str, change: IdChange
    ) -> None:
        node = nbformat.from_dict(change.notebook)
        notary = getattr(self.cm, "notary", None)
        if notary is not None and await self._was_trusted(text):
            # The user trusted this notebook: the ContentsManager signs it again on save
            # when its code cells are marked trusted.
            notary.mark_cells(node, True)
        model = {"type": "notebook", "format": "json", "content": node}
        # The moment of the write: the checks and the start of the save run in one go on
        # the event loop (the ContentsManager writes before it first yields).
        wait = self._check_at_write(path, os_path, data, patient=True)
        if wait:
            # Written a moment ago by someone else: once the file has rested, check all
            # again (a file still being written is then refused).
            await asyncio.sleep(wait)
            self._check_at_write(path, os_path, data, patient=False)
        await ensure_async(self.cm.save(model, path))
        try:
            written = await asyncio.to_thread(read_regular, os_path, self.service.indexer.max_size)
            now = [c.get("id") if isinstance(c, dict) else None for c in _cells(written.decode())]
        except (OSError, UnicodeDecodeError, Conflict):
            now = []
        if now != [c.get("id") for c in change.notebook["cells"]]:
            raise Conflict(
                f"Another program wrote {path} while the ids were being saved; its version "
                "is kept. Try again."
            )
        with contextlib.suppress(OSError):
            st = os.stat(os_path)
            self._ours[path] = (st.st_mtime_ns, st.st_size)
        try:
            await self.service.sync(path)
        except IndexUnavailable as error:  # the ids are written; the index catches up later
            self.service.log.warning("jupyter-blocks: %s not reindexed yet: %s", path, error)

    async def _write_text(self, path: str, os_path: str, data: bytes, changed: bytes) -> None:
        """Write a text notebook's new bytes through the ContentsManager (as a text
        file), with every check of ``_write``."""
        model = {"type": "file", "format": "text", "content": changed.decode("utf-8")}
        wait = self._check_at_write(path, os_path, data, patient=True)
        if wait:
            await asyncio.sleep(wait)
            self._check_at_write(path, os_path, data, patient=False)
        await ensure_async(self.cm.save(model, path))
        try:
            written = await asyncio.to_thread(read_regular, os_path, self.service.indexer.max_size)
        except OSError:
            written = b""
        if written.removeprefix(b"\xef\xbb\xbf") != changed.removeprefix(b"\xef\xbb\xbf"):
            raise Conflict(
                f"Another program wrote {path} while it was being saved; its version is "
                "kept. Try again."
            )
        with contextlib.suppress(OSError):
            st = os.stat(os_path)
            self._ours[path] = (st.st_mtime_ns, st.st_size)
        try:
            await self.service.sync(path)
        except IndexUnavailable as error:
            self.service.log.warning("jupyter-blocks: %s not reindexed yet: %s", path, error)

    def _check_at_write(self, path: str, os_path: str, data: bytes, patient: bool) -> float:
        """Right before the ContentsManager writes (blocking on purpose: no other
        coroutine may run between this check and the write). Returns 0 when the write
        may go, or (when ``patient``) the seconds to wait for the file to rest."""
        rules = self.service.rules
        if rules.hidden(path) or not rules.inside(path):
            raise Refused(f"{path} now leads outside the server root: nothing was written.")
        try:
            st = os.stat(os_path)
            if not stat.S_ISREG(st.st_mode):
                raise Conflict(f"{path} is no longer a regular file: nothing was written.")
            same = st.st_size == len(data) and read_regular(os_path, len(data)) == data
        except OSError:
            same = False
        if not same:
            raise Conflict(f"{path} changed on disk meanwhile: nothing was written. Try again.")
        age = time.time_ns() - st.st_mtime_ns  # negative: a clock ahead, no evidence
        if 0 <= age < QUIET_NS and self._ours.get(path) != (st.st_mtime_ns, st.st_size):
            if patient:
                return (QUIET_NS - age) / 1e9
            raise Conflict(
                f"{path} is being written by another program right now: nothing was "
                "written. Try again in a moment."
            )
        return 0.0

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


def _cells(text: str | bytes) -> list[Any]:
    try:
        cells: list[Any] = parse(text)["cells"]  # type: ignore[arg-type]
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
