"""Shared fixtures: a real Jupyter server with jupyter_blocks enabled, on a root the
test fills, and a client that talks to it over HTTP. Every such test runs twice: on the
SQLite store and on the PostgreSQL store (the latter skipped, with the reason, when no
test database is given: scripts/test.sh always gives one)."""

from __future__ import annotations

import os
import uuid
from typing import Any

import pytest
from helpers import BlocksClient
from pgcluster import URL_VARIABLE

pytest_plugins = ("pytest_jupyter.jupyter_server",)

NO_DATABASE = (
    f"no PostgreSQL to test the team store against: set {URL_VARIABLE} "
    "(scripts/test.sh starts a throwaway cluster and sets it)"
)


@pytest.fixture(scope="session")
def database_url() -> str:
    """The test database (skips the test without one)."""
    url = os.environ.get(URL_VARIABLE, "")
    if not url:
        pytest.skip(NO_DATABASE)
    return url


@pytest.fixture
def new_space(database_url: str) -> Any:
    """Make spaces of their own for a test; each is dropped from the database after it."""
    from jupyter_blocks.store.postgres_schema import drop_space

    made: list[str] = []

    def make() -> str:
        made.append(f"test-{uuid.uuid4().hex}")
        return made[-1]

    yield make
    for space in made:
        drop_space(database_url, space)


@pytest.fixture(params=["sqlite", "postgres"])
def store_config(request: pytest.FixtureRequest) -> dict[str, Any]:
    """The BlocksExtension traits of each store (a space of its own for PostgreSQL)."""
    if request.param == "sqlite":
        return {}
    url = request.getfixturevalue("database_url")
    space = request.getfixturevalue("new_space")()
    return {"store_class": "jupyter_blocks.store.PostgresStore", "database_url": url, "space": space}


@pytest.fixture
def jp_server_config(jp_server_config: dict, store_config: dict[str, Any]) -> dict:
    return {
        "ServerApp": {"jpserver_extensions": {"jupyter_blocks": True}},
        "BlocksExtension": {"poll_interval": 1.0, **store_config},
    }


@pytest.fixture
def blocks(jp_fetch: Any) -> BlocksClient:
    return BlocksClient(jp_fetch)
