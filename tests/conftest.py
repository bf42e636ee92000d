"""Shared fixtures: a real Jupyter server with jupyter_blocks enabled."""

from __future__ import annotations

import pytest

pytest_plugins = ("pytest_jupyter.jupyter_server",)


@pytest.fixture
def jp_server_config(jp_server_config: dict) -> dict:
    return {"ServerApp": {"jpserver_extensions": {"jupyter_blocks": True}}}
