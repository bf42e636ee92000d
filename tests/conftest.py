"""Shared fixtures: a real Jupyter server with jupyter_blocks enabled, on a root the
test fills, and a client that talks to it over HTTP."""

from __future__ import annotations

from typing import Any

import pytest
from helpers import BlocksClient

pytest_plugins = ("pytest_jupyter.jupyter_server",)


@pytest.fixture
def jp_server_config(jp_server_config: dict) -> dict:
    return {
        "ServerApp": {"jpserver_extensions": {"jupyter_blocks": True}},
        "BlocksExtension": {"poll_interval": 1.0},
    }


@pytest.fixture
def blocks(jp_fetch: Any) -> BlocksClient:
    return BlocksClient(jp_fetch)
