"""REST handlers under /api/blocks/.

Every handler derives from BlocksHandler: authenticated, and authorized as a read (GET)
or write (POST) of the ``contents`` resource, since blocks are parts of notebooks.
"""

from __future__ import annotations

from jupyter_server.auth.decorator import authorized
from jupyter_server.base.handlers import APIHandler
from tornado import web

from . import __version__

API_PREFIX = "/api/blocks"


class BlocksHandler(APIHandler):
    """Base of every jupyter-blocks endpoint."""

    auth_resource = "contents"


class VersionHandler(BlocksHandler):
    """``GET /api/blocks/version``: lets the frontend check it talks to a matching server."""

    @web.authenticated
    @authorized
    async def get(self) -> None:
        self.finish({"version": __version__})


def route_table() -> list[tuple[str, type[BlocksHandler]]]:
    """Every route of the extension (the authorization tests walk this list)."""
    return [
        (f"{API_PREFIX}/version", VersionHandler),
    ]
