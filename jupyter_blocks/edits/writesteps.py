"""How jupyter-blocks writes a notebook (``persist.py`` says what it writes): one write at
a time per notebook, inside the root, over the exact bytes read, through the
ContentsManager (a text notebook as a file model), the notebook's trust kept, and never
over a file another program is writing (``QUIET_NS``)."""

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

from ..index.service import BlocksService, IndexUnavailable
from ..notebooks.files import read_regular, single_name_refusal
from ..notebooks.ids import (
    IdChange,
    IdError,
    parse,
    valid_id,
)
from ..notebooks.ids import parse as _parse_json
from ..notebooks.notebook import normalize_path
from ..notebooks.textnotebooks import is_notebook_name, paired_text

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


class WriteSteps:
    """The steps of a safe write, shared by every kind of id write."""

    def __init__(self, service: BlocksService, contents_manager: ContentsManager) -> None:
        self.service = service
        self.cm = contents_manager
        # One write at a time per notebook: two "copy reference" clicks must not race.
        self._locks: dict[str, asyncio.Lock] = {}
        # The file state each of our own writes left: not "another program writing".
        self._ours: dict[str, tuple[int, int]] = {}

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
        refusal = single_name_refusal(st)
        if refusal is not None:
            raise Refused(f"{path}: {refusal}.")
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
            data = await self.service.guard.work(
                read_regular, os_path, self.service.indexer.max_size
            )
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
            refusal = single_name_refusal(st)
            if refusal is not None:
                raise Refused(f"{path}: {refusal}.")
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

        digest = await self.service.guard.work(signature)
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
