"""The handlers of blocks, search, backlinks and id writes (``base.BlocksHandler``)."""

from __future__ import annotations

from jupyter_server.auth.decorator import authorized
from tornado import web

from .. import __version__
from ..edits.renames import MoveClaims
from ..index.views import search_hit_json
from .base import MAX_QUERY_CHARS, MAX_RESOLVE, MAX_SEARCH_LIMIT, BlocksHandler, write_errors


class VersionHandler(BlocksHandler):
    """``GET /api/blocks/version``: lets the frontend check it talks to a matching server."""

    @web.authenticated
    @authorized
    async def get(self) -> None:
        self.finish({"version": __version__})


class StatusHandler(BlocksHandler):
    """``GET /api/blocks/status``: what the index holds, its progress and its problems."""

    @web.authenticated
    @authorized
    async def get(self) -> None:
        status = await self.blocks.status()
        self.finish({"version": __version__, **status})


class BlockHandler(BlocksHandler):
    """``GET /api/blocks/block/<id>``: one block, with its outputs and trust."""

    @web.authenticated
    @authorized
    async def get(self, block_id: str) -> None:
        block = await self.blocks.block(self.checked_id(block_id))
        if block is None:
            raise web.HTTPError(
                404,
                f"No block has the id {block_id}: no notebook under the server "
                "root holds a cell with it (yet).",
            )
        self.finish(block)


class ResolveHandler(BlocksHandler):
    """``POST /api/blocks/resolve`` with ``{"ids": [...]}``: many blocks in one trip.

    A POST because the list can be long; it reads only (authorized as a read)."""

    @web.authenticated
    @authorized(action="read")
    async def post(self) -> None:
        ids = self.json_body().get("ids")
        if not isinstance(ids, list) or not all(isinstance(i, str) for i in ids):
            raise web.HTTPError(400, 'Send {"ids": [...]}, a list of block ids.')
        if len(ids) > MAX_RESOLVE:
            raise web.HTTPError(400, f"At most {MAX_RESOLVE} ids per request; split the list.")
        self.finish({"blocks": await self.blocks.resolve(ids)})


class SearchHandler(BlocksHandler):
    """``GET /api/blocks/search?q=<text>&limit=<n>``: blocks whose text matches."""

    @web.authenticated
    @authorized
    async def get(self) -> None:
        query = self.get_query_argument("q", "")
        if len(query) > MAX_QUERY_CHARS:
            raise web.HTTPError(
                400, f"The query is too long: at most {MAX_QUERY_CHARS} characters."
            )
        try:
            limit = int(self.get_query_argument("limit", "20"))
        except ValueError:
            raise web.HTTPError(400, "limit must be a whole number.") from None
        limit = max(1, min(limit, MAX_SEARCH_LIMIT))
        result = await self.blocks.search(query, limit)
        self.finish(
            {
                "results": [search_hit_json(hit) for hit in result.hits],
                "ranked": result.ranked,
            }
        )


class BacklinksHandler(BlocksHandler):
    """``GET /api/blocks/backlinks/<id>``: blocks that reference or embed a block."""

    @web.authenticated
    @authorized
    async def get(self, block_id: str) -> None:
        block_id = self.checked_id(block_id)
        self.finish({"id": block_id, "backlinks": await self.blocks.backlinks(block_id)})


class NotebookBacklinksHandler(BlocksHandler):
    """``GET /api/blocks/notebook-backlinks?path=<path>``: blocks that reference any
    block of a notebook, or link the notebook with ``[[path]]``."""

    @web.authenticated
    @authorized
    async def get(self) -> None:
        path = self.notebook_path()
        links = await self.blocks.notebook_backlinks(path)
        if links is None:
            raise web.HTTPError(
                404,
                f"No indexed notebook at {path[:200]}: check the path (relative to "
                "the server root) or the skipped files in /api/blocks/status.",
            )
        self.finish({"path": path, "backlinks": links})


class BacklinkCountsHandler(BlocksHandler):
    """``GET /api/blocks/backlink-counts?path=<path>``: for each referenced block of a
    notebook, how many blocks reference or embed it (one request for a whole notebook's
    badges)."""

    @web.authenticated
    @authorized
    async def get(self) -> None:
        path = self.notebook_path()
        counts = await self.blocks.backlink_counts(path)
        if counts is None:
            raise web.HTTPError(404, f"No indexed notebook at {path[:200]}.")
        self.finish({"path": path, "counts": counts})


class NotebookLinkHandler(BlocksHandler):
    """``GET /api/blocks/notebook-link?target=<as written>``: the notebook a
    ``[[target]]`` link opens (a bare name resolves when one notebook has it)."""

    @web.authenticated
    @authorized
    async def get(self) -> None:
        target = self.get_query_argument("target", "")
        if not target:
            raise web.HTTPError(400, "Give the link's target: ?target=name.ipynb")
        path, reason = await self.blocks.resolve_notebook_link(target)
        if path is None:
            raise web.HTTPError(404, f"[[{target[:200]}]] names no notebook: {reason}.")
        self.finish({"target": target, "path": path})


class EnsureIdHandler(BlocksHandler):
    """``POST /api/blocks/ensure-id`` with ``{"path", "index"}``: the cell's id, written
    into the notebook first when it has none (so that a reference never dangles).

    Optional: ``cell_ids``, the ids the open document already gave its cells (written
    as they are, so that the file matches the open notebook), and ``last_modified``,
    the open document's timestamp (409 if the file changed since)."""

    @web.authenticated
    @authorized
    async def post(self) -> None:
        body = self.json_body()
        path, index = body.get("path"), body.get("index")
        proposed, stamp = body.get("cell_ids"), body.get("last_modified")
        if not isinstance(path, str) or not isinstance(index, int) or isinstance(index, bool):
            raise web.HTTPError(400, 'Send {"path": "<notebook path>", "index": <cell index>}.')
        if proposed is not None and not (
            isinstance(proposed, list) and all(isinstance(i, str) for i in proposed)
        ):
            raise web.HTTPError(400, "cell_ids must be a list of strings.")
        if stamp is not None and not isinstance(stamp, str):
            raise web.HTTPError(400, "last_modified must be a string.")
        with write_errors():
            self.finish(await self.ids.ensure_id(self.real_path(path), index, proposed, stamp))


class ReassignIdsHandler(BlocksHandler):
    """``POST /api/blocks/reassign-ids`` with ``{"path"}``: fresh ids for the cells of a
    copied notebook that repeat another notebook's ids."""

    @web.authenticated
    @authorized
    async def post(self) -> None:
        path = self.json_body().get("path")
        if not isinstance(path, str):
            raise web.HTTPError(400, 'Send {"path": "<notebook path>"}.')
        with write_errors():
            self.finish(await self.ids.reassign_ids(self.real_path(path)))


class LabelHandler(BlocksHandler):
    """``POST /api/blocks/label`` with ``{"cell_type", "source", "label", "id"}``: the
    cell's source with the label set in its own form (``#| label:`` for code, a MyST
    ``(label)=`` line for markdown), for the client to put in its open model; 409 when
    another block holds that label or id. Nothing is written."""

    @web.authenticated
    @authorized
    async def post(self) -> None:
        body = self.json_body()
        cell_type, source, label = body.get("cell_type"), body.get("source"), body.get("label")
        own = body.get("id")
        if (
            not isinstance(cell_type, str)
            or not isinstance(source, str)
            or not isinstance(label, str)
            or not (own is None or isinstance(own, str))
        ):
            raise web.HTTPError(
                400, 'Send {"cell_type", "source", "label"} (strings) and the cell\'s "id".'
            )
        with write_errors():
            new = await self.renames.label(cell_type, source, label, own)
        self.finish({"label": label, "source": new})


class RenameLabelHandler(BlocksHandler):
    """``POST /api/blocks/rename-label`` with ``{"label", "new", "open": [paths]}``:
    the label renamed where it is declared and in every reference to it. Notebooks in
    ``open`` are left to the client (``edits``); the others are written, or refused
    when they changed since indexed (``refused``). See ``renames.py``."""

    @web.authenticated
    @authorized
    async def post(self) -> None:
        body = self.json_body()
        label, new, opened = body.get("label"), body.get("new"), body.get("open", [])
        if not isinstance(label, str) or not isinstance(new, str):
            raise web.HTTPError(400, 'Send {"label": "<old>", "new": "<new label>"}.')
        if not isinstance(opened, list) or not all(isinstance(p, str) for p in opened):
            raise web.HTTPError(400, "open must be a list of notebook paths.")
        with write_errors():
            result = await self.renames.rename_label(label, new, opened)
        self.finish({"label": label, "new": new, **result})


class FollowMoveHandler(BlocksHandler):
    """``POST /api/blocks/follow-move`` with ``{"from", "to", "open": [paths]}``: the
    browser that renamed a notebook or folder asks for the ``[[links]]`` to it to
    follow; notebooks in ``open`` come back as ``edits`` for its models, the others are
    written (or refused). The server then leaves that rename alone."""

    @web.authenticated
    @authorized
    async def post(self) -> None:
        body = self.json_body()
        old, new, opened = body.get("from"), body.get("to"), body.get("open", [])
        if not isinstance(old, str) or not isinstance(new, str) or not old or not new:
            raise web.HTTPError(400, 'Send {"from": "<old path>", "to": "<new path>"}.')
        if not isinstance(opened, list) or not all(isinstance(p, str) for p in opened):
            raise web.HTTPError(400, "open must be a list of notebook paths.")
        claims: MoveClaims = self.settings["jupyter_blocks_moves"]
        claims.claim(old, new)
        with write_errors():
            result = await self.renames.follow_move(old, new, opened)
        self.finish({"from": old, "to": new, **result})
