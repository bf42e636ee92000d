"""The version endpoint, and that every route of ours demands authentication."""

from __future__ import annotations

import json
import warnings

import pytest
from jupyter_server.base.handlers import APIHandler
from jupyter_server.utils import JupyterServerAuthWarning
from tornado.httpclient import HTTPClientError

import jupyter_blocks
from jupyter_blocks.web.routes import route_table


async def test_version_answers_the_package_version(jp_fetch):
    # When the frontend asks for the server's version
    response = await jp_fetch("api", "blocks", "version")
    # Then it gets the installed package's version, as JSON
    assert response.code == 200
    assert json.loads(response.body) == {"version": jupyter_blocks.__version__}


async def test_version_refuses_a_request_without_token(jp_fetch):
    # Given a request that carries no token
    with pytest.raises(HTTPClientError) as error:
        await jp_fetch("api", "blocks", "version", headers={"Authorization": ""})
    # Then the server refuses it
    assert error.value.code == 403


class _Unauthenticated(APIHandler):
    """A deliberately undecorated handler: proves the check below can fail."""

    async def get(self) -> None:
        self.finish({})


def _auth_warnings(caught: list[warnings.WarningMessage]) -> list[str]:
    return [str(w.message) for w in caught if issubclass(w.category, JupyterServerAuthWarning)]


def test_no_handler_skips_authentication(jp_configurable_serverapp):
    # Given a server that forbids unauthenticated access (the template's check_auth idea)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        app = jp_configurable_serverapp(
            config={"ServerApp": {"jpserver_extensions": {"jupyter_blocks": True}}},
            argv=["--ServerApp.allow_unauthenticated_access=False"],
        )
    # Then our extension loaded and registered its routes...
    assert app.extension_manager.extensions["jupyter_blocks"].enabled
    assert route_table()
    # ...and none of them was reported as reachable without authentication.
    assert [m for m in _auth_warnings(caught) if "/api/blocks" in m] == []

    # And the same check does catch an undecorated handler (so its silence above means something).
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        app.web_app.add_handlers(".*$", [("/api/blocks/test-unauthenticated", _Unauthenticated)])
    assert any("/api/blocks/test-unauthenticated" in m for m in _auth_warnings(caught))
