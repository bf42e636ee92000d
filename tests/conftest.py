"""Shared fixtures: a real Jupyter server with jupyter_blocks enabled, on a root the
test fills, and a client that talks to it over HTTP.

Tests marked ``both_stores`` run twice: on the SQLite store and on the PostgreSQL store,
against a real PostgreSQL (a throwaway cluster started for the session in a temporary
folder, or the database ``JUPYTER_BLOCKS_TEST_DATABASE_URL`` names). They are skipped,
saying why, only when PostgreSQL's server programs are not installed."""

from __future__ import annotations

import os
import tempfile
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from helpers import BlocksClient
from pgcluster import URL_VARIABLE, Cluster, bin_dir

pytest_plugins = ("pytest_jupyter.jupyter_server",)

NO_POSTGRES = (
    "PostgreSQL's server programs (initdb, pg_ctl) are not installed, so the team store "
    f"cannot be tested: apt-get install postgresql (scripts/test.sh does), or set {URL_VARIABLE}"
)


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "store_config" in metafunc.fixturenames and metafunc.definition.get_closest_marker(
        "both_stores"
    ):
        metafunc.parametrize("store_config", ["sqlite", "postgres"], indirect=True)


@pytest.fixture(scope="session")
def pg_cluster() -> Iterator[Cluster | None]:
    """A throwaway PostgreSQL cluster for the session (None when a URL is given)."""
    if os.environ.get(URL_VARIABLE):
        yield None
        return
    if bin_dir() is None:
        pytest.skip(NO_POSTGRES)
    # Not under pytest's own temporary folder: PostgreSQL runs as its own user, which
    # must reach the cluster's folder.
    cluster = Cluster(Path(tempfile.mkdtemp(prefix="jupyter-blocks-pg-")))
    cluster.init()
    try:
        yield cluster
    finally:
        cluster.remove()


@pytest.fixture(scope="session")
def database_url(pg_cluster: Cluster | None) -> str:
    """The test database's URL."""
    return pg_cluster.url if pg_cluster is not None else os.environ[URL_VARIABLE]


@pytest.fixture
def new_space(database_url: str) -> Iterator[Any]:
    """Make spaces of their own for a test; each is dropped from the database after it."""
    from jupyter_blocks.store.postgres_schema import drop_space

    made: list[str] = []

    def make() -> str:
        made.append(f"test-{uuid.uuid4().hex}")
        return made[-1]

    yield make
    for space in made:
        drop_space(database_url, space)


@pytest.fixture
def store_config(request: pytest.FixtureRequest) -> dict[str, Any]:
    """The BlocksExtension traits of the store under test: SQLite's (none) unless the
    test is marked ``both_stores``; PostgreSQL's with a space of its own."""
    if getattr(request, "param", "sqlite") == "sqlite":
        return {}
    url = request.getfixturevalue("database_url")
    space = request.getfixturevalue("new_space")()
    postgres = "jupyter_blocks.store.PostgresStore"
    return {"store_class": postgres, "database_url": url, "space": space}


@pytest.fixture
def jp_server_config(jp_server_config: dict, store_config: dict[str, Any]) -> dict:
    return {
        "ServerApp": {"jpserver_extensions": {"jupyter_blocks": True}},
        "BlocksExtension": {"poll_interval": 1.0, **store_config},
    }


@pytest.fixture
def blocks(jp_fetch: Any) -> BlocksClient:
    return BlocksClient(jp_fetch)
