"""REST handlers under /api/blocks/.

Every handler derives from BlocksHandler: authenticated, and authorized as a read (GET)
or write (POST) of the ``contents`` resource, since blocks are parts of notebooks.
Errors are JSON ``{"message": ...}`` (APIHandler's format) with a sentence a user can act
on: ``web.HTTPError(code, message)`` puts the sentence in ``message`` and keeps the HTTP
reason phrase standard (a path in a status line could break its encoding).
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any

import orjson
from jupyter_server.auth.decorator import authorized
from jupyter_server.base.handlers import APIHandler
from tornado import web

from . import __version__
from .ids import IdError
from .persist import BadRequest, Conflict, IdKeeper, NotFound, Refused
from .refs import is_target
from .renames import MoveClaims, Renames
from .service import BlocksService, IndexUnavailable
from .views import search_hit_json

API_PREFIX = "/api/blocks"
ID_PATTERN = r"(?P<block_id>[^/]+)"
MAX_RESOLVE = 500
MAX_QUERY_CHARS = 1000
MAX_SEARCH_LIMIT = 100
# A request body is a few ids or a notebook's cell ids: anything larger is refused
# before it is parsed (the server's own max_body_size bounds what is read at all).
MAX_BODY = 4 * 2**20
RETRY_AFTER = 5  # seconds a client is told to wait after a 503


class BlocksHandler(APIHandler):
    """Base of every jupyter-blocks endpoint."""

    auth_resource = "contents"

    @property
    def blocks(self) -> BlocksService:
        service: BlocksService = self.settings["jupyter_blocks"]
        return service

    @property
    def ids(self) -> IdKeeper:
        keeper: IdKeeper = self.settings["jupyter_blocks_ids"]
        return keeper

    @property
    def renames(self) -> Renames:
        return Renames(self.blocks, self.ids)

    def json_body(self) -> dict[str, Any]:
        """The body as a JSON object, or 400 (413 when too large) saying why. orjson
        refuses nesting deeper than 1024 levels, so no body can exhaust the stack."""
        raw = self.request.body or b"{}"
        if len(raw) > MAX_BODY:
            raise web.HTTPError(
                413, f"The request body is too large: at most {MAX_BODY // 2**20} MiB."
            )
        try:
            body = orjson.loads(raw)
        except (orjson.JSONDecodeError, RecursionError) as error:
            raise web.HTTPError(400, f"The request body is not valid JSON ({error}).") from None
        if not isinstance(body, dict):
            raise web.HTTPError(400, "The request body must be a JSON object.")
        return body

    def send_error(self, status_code: int = 500, **kwargs: Any) -> None:
        """The index being unavailable is a 503 with its reason, never a 500."""
        error = kwargs.get("exc_info", (None, None, None))[1]
        if isinstance(error, IndexUnavailable):
            http = web.HTTPError(503, str(error))
            kwargs["exc_info"] = (web.HTTPError, http, error.__traceback__)
            status_code = 503
        super().send_error(status_code, **kwargs)

    def write_error(self, status_code: int, **kwargs: Any) -> None:
        if status_code == 503:
            self.set_header("Retry-After", str(RETRY_AFTER))
        super().write_error(status_code, **kwargs)

    def log_exception(self, typ: Any, value: Any, tb: Any) -> None:
        if isinstance(value, IndexUnavailable):
            return  # an answer, not a crash: written (and logged) as a 503
        super().log_exception(typ, value, tb)

    def notebook_path(self) -> str:
        """The ``path`` query argument, required."""
        path = self.get_query_argument("path", "")
        if not path:
            raise web.HTTPError(400, "Give the notebook's path: ?path=folder/name.ipynb")
        return path

    @staticmethod
    def checked_id(block_id: str) -> str:
        """A block id or label, as ``((...))`` may hold it; 400 otherwise."""
        if not is_target(block_id):
            raise web.HTTPError(
                400,
                f"{block_id[:80]!r} is not a block id or label: ids are 1 to 64 letters, "
                "digits, '-' or '_' (labels may also hold '.' and ':').",
            )
        return block_id


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
        with _write_errors():
            self.finish(await self.ids.ensure_id(path, index, proposed, stamp))


class ReassignIdsHandler(BlocksHandler):
    """``POST /api/blocks/reassign-ids`` with ``{"path"}``: fresh ids for the cells of a
    copied notebook that repeat another notebook's ids."""

    @web.authenticated
    @authorized
    async def post(self) -> None:
        path = self.json_body().get("path")
        if not isinstance(path, str):
            raise web.HTTPError(400, 'Send {"path": "<notebook path>"}.')
        with _write_errors():
            self.finish(await self.ids.reassign_ids(path))


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
        with _write_errors():
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
        with _write_errors():
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
        with _write_errors():
            result = await self.renames.follow_move(old, new, opened)
        self.finish({"from": old, "to": new, **result})


@contextlib.contextmanager
def _write_errors() -> Iterator[None]:
    try:
        yield
    except BadRequest as error:
        raise web.HTTPError(400, str(error)) from None
    except NotFound as error:
        raise web.HTTPError(404, str(error)) from None
    except Refused as error:
        raise web.HTTPError(403, str(error)) from None
    except (Conflict, IdError) as error:
        raise web.HTTPError(409, str(error)) from None


def route_table() -> list[tuple[str, type[BlocksHandler]]]:
    """Every route of the extension (the authorization tests walk this list)."""
    from .reuse.handlers import routes as reuse_routes  # it builds on BlocksHandler

    return [
        (f"{API_PREFIX}/version", VersionHandler),
        (f"{API_PREFIX}/status", StatusHandler),
        (f"{API_PREFIX}/block/{ID_PATTERN}", BlockHandler),
        (f"{API_PREFIX}/resolve", ResolveHandler),
        (f"{API_PREFIX}/search", SearchHandler),
        (f"{API_PREFIX}/backlinks/{ID_PATTERN}", BacklinksHandler),
        (f"{API_PREFIX}/notebook-backlinks", NotebookBacklinksHandler),
        (f"{API_PREFIX}/backlink-counts", BacklinkCountsHandler),
        (f"{API_PREFIX}/notebook-link", NotebookLinkHandler),
        (f"{API_PREFIX}/ensure-id", EnsureIdHandler),
        (f"{API_PREFIX}/reassign-ids", ReassignIdsHandler),
        (f"{API_PREFIX}/label", LabelHandler),
        (f"{API_PREFIX}/rename-label", RenameLabelHandler),
        (f"{API_PREFIX}/follow-move", FollowMoveHandler),
        *reuse_routes(API_PREFIX, ID_PATTERN),
    ]
