"""The Link action on an unlinked reference, for a notebook that is not open: one
mention in one markdown cell becomes ``[[path]]`` or ``((label))``, written through the
ContentsManager with every rule of ``persist.py`` (inside the root, over the bytes read,
trust kept), and only over the very source the mention was found in.
"""

from __future__ import annotations

import asyncio
from typing import Any

from ..index.connections import source_digest
from ..links.refs import reference_spans
from ..notebooks.files import read_regular
from ..notebooks.ids import IdChange, parse
from .persist import BadRequest, Conflict, IdKeeper, _cells

__all__ = ["NotebookWriter"]


class NotebookWriter(IdKeeper):
    """Writes ids into notebooks (``IdKeeper``) and links mentions, one write at a time
    per notebook."""

    async def link_mention(
        self,
        path: str,
        index: int,
        digest: str,
        start: int,
        end: int,
        match: str,
        link: str,
        cell_id: str | None = None,
    ) -> dict[str, Any]:
        """Replace ``source[start:end]`` (which must read ``match``) of the markdown cell
        at ``index`` by ``link``, when the cell's source still has ``digest``
        (``connections.source_digest``) and, if given, the id ``cell_id``. ``link``
        must be one reference or notebook link, and must count as one where it lands.
        Returns ``{"path", "index", "id", "source"}``; raises BadRequest, NotFound,
        Refused or Conflict (the cell changed since it was read: nothing written)."""
        path = self._notebook_path(path)
        spans = reference_spans(link)
        if len(spans) != 1 or spans[0][:2] != (0, len(link)):
            raise BadRequest(f"{link[:100]!r} is not one ((label)) or [[path]] link.")
        async with self._lock(path):
            os_path = self._checked(path)
            data, text = await self._read(path, os_path, None)
            cells = _cells(text)
            if not 0 <= index < len(cells) or not isinstance(cells[index], dict):
                raise Conflict(f"{path} has no cell {index} any more: nothing was written.")
            cell = cells[index]
            if cell_id is not None and cell.get("id") != cell_id:
                raise Conflict(f"The cells of {path} moved since it was read: try again.")
            if cell.get("cell_type") != "markdown":
                raise BadRequest(f"Cell {index} of {path} is not a markdown cell.")
            source = _joined(cell.get("source"))
            if source_digest(source) != digest:
                raise Conflict(
                    f"Cell {index} of {path} changed since it was read: nothing was written."
                )
            if not 0 <= start <= end <= len(source) or source[start:end] != match:
                raise BadRequest(f"Cell {index} of {path} does not read {match!r} there.")
            new = source[:start] + link + source[end:]
            if not any(s == start for s, _, _ in reference_spans(new)):
                raise BadRequest(f"{match!r} is in code or a link there: a link would not count.")
            notebook = parse(text)
            notebook["cells"][index]["source"] = new
            await self._write(path, os_path, data, text, IdChange(notebook, {}, []))
            written = await asyncio.to_thread(read_regular, os_path, self.service.indexer.max_size)
            after = _cells(written.decode("utf-8", "replace"))
            if index >= len(after) or _joined(after[index].get("source")) != new:
                raise Conflict(f"Another program wrote {path} meanwhile; its version is kept.")
            return {"path": path, "index": index, "id": cell.get("id"), "source": new}


def _joined(source: Any) -> str:
    """A cell's source as text (nbformat keeps it as a list of lines on disk)."""
    if isinstance(source, list):
        return "".join(s for s in source if isinstance(s, str))
    return source if isinstance(source, str) else ""
