"""REST handlers of connections between notebooks: unlinked references, the Link
action on one, and the graph of notebooks (``connections.py``, ``linking.py``)."""

from __future__ import annotations

from jupyter_server.auth.decorator import authorized
from tornado import web

from .base import BlocksHandler, write_errors


class UnlinkedHandler(BlocksHandler):
    """``GET /api/blocks/unlinked?path=<notebook>`` or ``?id=<block id or label>``:
    cells elsewhere that name the notebook (its title, its file name without
    ``.ipynb``) or the block (its label) in prose without linking it (``mentions.py``).
    ``complete`` is False when a common name matched more than the time budget reads."""

    @web.authenticated
    @authorized
    async def get(self) -> None:
        path = self.get_query_argument("path", "") or None
        path = self.real_path(path) if path else None
        target = self.get_query_argument("id", "") or None
        if (path is None) == (target is None):
            raise web.HTTPError(400, "Give one of ?path=<notebook path> or ?id=<block id>.")
        if target is not None:
            self.checked_id(target)
        found = await self.blocks.unlinked(path, target)
        if found is None:
            what = f"indexed notebook at {path[:200]}" if path else f"block {target}"
            raise web.HTTPError(404, f"No {what}: check it, or the skipped files in status.")
        self.finish(found)


class GraphHandler(BlocksHandler):
    """``GET /api/blocks/graph`` (``?path=<notebook>&depth=1|2``): notebooks and the
    links between them, whole or around one notebook (``connections.notebook_graph``)."""

    @web.authenticated
    @authorized
    async def get(self) -> None:
        path = self.get_query_argument("path", "") or None
        path = self.real_path(path) if path else None
        depth = self.get_query_argument("depth", "1")
        if depth not in ("1", "2"):
            raise web.HTTPError(400, "depth must be 1 or 2.")
        graph = await self.blocks.graph(path, int(depth))
        if graph is None:
            raise web.HTTPError(404, f"No indexed notebook at {(path or '')[:200]}.")
        # JSON text already: the kept graph joins the texts of its nodes and edges.
        self.set_header("Content-Type", "application/json")
        self.finish(graph)


class LinkMentionHandler(BlocksHandler):
    """``POST /api/blocks/link-mention`` with ``{"path", "index", "digest", "start",
    "end", "match", "link"}`` (and optionally ``"id"``), as an unlinked reference gives
    them: turns that mention into ``link`` in a closed notebook, through the
    ContentsManager; 409 when the cell changed since it was read."""

    @web.authenticated
    @authorized
    async def post(self) -> None:
        body = self.json_body()
        texts = [body.get(k) for k in ("path", "digest", "match", "link")]
        numbers = [body.get(k) for k in ("index", "start", "end")]
        cell_id = body.get("id")
        if (
            not all(isinstance(t, str) for t in texts)
            or not all(isinstance(n, int) and not isinstance(n, bool) for n in numbers)
            or not (cell_id is None or isinstance(cell_id, str))
        ):
            raise web.HTTPError(
                400,
                'Send {"path", "index", "digest", "start", "end", "match", "link"} '
                "as an entry of /api/blocks/unlinked gives them.",
            )
        with write_errors():
            self.finish(
                await self.ids.link_mention(
                    self.real_path(body["path"]),
                    body["index"],
                    body["digest"],
                    body["start"],
                    body["end"],
                    body["match"],
                    body["link"],
                    cell_id,
                )
            )
