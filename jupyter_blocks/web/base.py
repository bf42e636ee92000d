"""The base of every REST handler under /api/blocks/ (``routes.py`` lists them).

Every handler derives from BlocksHandler: authenticated, and authorized as a read (GET)
or write (POST) of the ``contents`` resource, since blocks are parts of notebooks.
Errors are JSON ``{"message": ...}`` (APIHandler's format) with a sentence a user can act
on: ``web.HTTPError(code, message)`` puts the sentence in ``message`` and keeps the HTTP
reason phrase standard (a path in a status line could break its encoding).
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Iterator
from typing import Any

import orjson
from jupyter_server.base.handlers import APIHandler
from tornado import web

from ..edits.linking import NotebookWriter
from ..edits.persist import BadRequest, Conflict, NotFound, Refused
from ..edits.renames import Renames
from ..index.service import BlocksService, IndexUnavailable
from ..links.refs import is_target
from ..notebooks.ids import IdError

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
    def ids(self) -> NotebookWriter:
        keeper: NotebookWriter = self.settings["jupyter_blocks_ids"]
        return keeper

    @property
    def renames(self) -> Renames:
        return Renames(self.blocks, self.ids)

    def json_body(self, exact: bool = False) -> dict[str, Any]:
        """The body as a JSON object, or 400 (413 when too large) saying why. orjson
        refuses nesting deeper than 1024 levels, so no body can exhaust the stack;
        ``exact``: read by Python's own reader, which keeps integers past 64 bits
        (orjson reads them as floats), its RecursionError a 400 too."""
        raw = self.request.body or b"{}"
        if len(raw) > MAX_BODY:
            raise web.HTTPError(
                413, f"The request body is too large: at most {MAX_BODY // 2**20} MiB."
            )
        try:
            body = json.loads(raw) if exact else orjson.loads(raw)
        except (ValueError, RecursionError) as error:
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
        return self.real_path(path)

    def real_path(self, path: str) -> str:
        """A notebook path from a request as the index holds it: a notebook opened
        through a symbolic link inside the root is indexed under its own path."""
        return self.blocks.rules.canonical(path.strip("/"))

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


@contextlib.contextmanager
def write_errors() -> Iterator[None]:
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
