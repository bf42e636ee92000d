"""Several servers on one root (issue 16, section 6). They share the default index
file; each tells its own users of every change, whichever server indexed it (through
the change log kept in the index), and their status counts agree."""

from __future__ import annotations

import asyncio
import json
import shutil
import time
from pathlib import Path
from typing import Any

from faultkit import fetch, new_notebook, settled, status_when, until
from helpers import DEMO, DEMO_NOTEBOOKS, TOKEN, jupyter_server
from tornado.httpclient import HTTPRequest
from tornado.websocket import websocket_connect


async def subscribe(port: int) -> Any:
    request = HTTPRequest(
        f"ws://127.0.0.1:{port}/api/events/subscribe",
        headers={"Authorization": f"token {TOKEN}"},
    )
    return await websocket_connect(request)


async def changed(
    ws: Any, path: str, block_id: str | None = None, timeout: float = 20
) -> dict[str, Any]:
    """The first `changed` event naming ``path`` (and ``block_id``) on an event stream."""
    deadline = time.monotonic() + timeout
    while True:
        left = deadline - time.monotonic()
        assert left > 0, f"no changed event for {path}"
        message = await asyncio.wait_for(ws.read_message(), left)
        assert message is not None, "the event stream closed"
        event = json.loads(message)
        if not event.get("schema_id", "").endswith("/blocks/v1"):
            continue
        if path in event.get("paths", []) and (
            block_id is None or block_id in event["ids"] or event["truncated"]
        ):
            return event


def counts(port: int) -> tuple[int, int, int]:
    code, status, _ = fetch(port, "api/blocks/status")
    assert code == 200
    return status["notebooks"], status["blocks"], status["references"]


def test_two_servers_on_one_root_both_announce_every_change(tmp_path: Path):
    root = tmp_path / "root"
    shutil.copytree(DEMO, root)
    home = tmp_path / "home"  # one Jupyter data folder: one default index file
    with jupyter_server(root, home, None) as first, jupyter_server(root, home, None) as second:
        ports = (first.port, second.port)
        index_files = list((home / "data" / "jupyter_blocks").glob("index-*.sqlite"))
        assert len(index_files) == 1
        for port in ports:
            status_when(port, settled)
        demo_notebooks = DEMO_NOTEBOOKS
        assert counts(ports[0]) == counts(ports[1])
        assert counts(ports[0])[0] == demo_notebooks
        nb = json.loads((root / "data" / "sales.ipynb").read_text())
        nb["cells"][0]["source"] = "# Sales, saved on the first server"

        async def scenario() -> None:
            streams = [await subscribe(port) for port in ports]
            try:
                # A notebook written outside Jupyter (git, a terminal)
                new_notebook(root / "outside.ipynb", "outside-cell", "# From a terminal")
                for ws in streams:
                    await changed(ws, "outside.ipynb", "outside-cell")
                # A notebook saved through the first server's contents API
                first.save("data/sales.ipynb", nb)
                for ws in streams:
                    await changed(ws, "data/sales.ipynb", nb["cells"][0]["id"])
                # A notebook deleted
                (root / "notes" / "index.ipynb").unlink()
                for ws in streams:
                    await changed(ws, "notes/index.ipynb", "notes-home")
            finally:
                for ws in streams:
                    ws.close()

        asyncio.run(scenario())
        # And both count the same, as the files say
        until(
            lambda: counts(ports[0]) == counts(ports[1]) and counts(ports[0])[0] == demo_notebooks,
            20,
        )
        for port in ports:
            code, block, _ = fetch(port, "api/blocks/block/outside-cell")
            assert code == 200 and block["path"] == "outside.ipynb"
            code, block, _ = fetch(port, f"api/blocks/block/{nb['cells'][0]['id']}")
            assert block["source"] == "# Sales, saved on the first server"
