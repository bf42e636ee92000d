"""The index is a cache: deleting it and restarting the server gives the same answers."""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from helpers import DEMO, copy_pdsh

TOKEN = "restart-test-token"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def jupyter_server(root: Path, home: Path, db: Path):
    """A real `jupyter server` process with jupyter_blocks, on loopback."""
    port = free_port()
    env = {
        **os.environ,
        "JUPYTER_DATA_DIR": str(home / "data"),
        "JUPYTER_RUNTIME_DIR": str(home / "runtime"),
    }
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "jupyter_server",
            f"--ServerApp.root_dir={root}",
            f"--ServerApp.port={port}",
            "--ServerApp.ip=127.0.0.1",
            "--ServerApp.open_browser=False",
            "--ServerApp.allow_root=True",
            f"--IdentityProvider.token={TOKEN}",
            "--ServerApp.jpserver_extensions=jupyter_blocks=True",
            f"--BlocksExtension.db_path={db}",
        ],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}/api/blocks/"

    def get(path: str) -> Any:
        request = urllib.request.Request(base + path, headers={"Authorization": f"token {TOKEN}"})
        with urllib.request.urlopen(request, timeout=10) as response:
            return json.loads(response.read())

    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                status = get("status")
                if status["state"] == "ready" and status["pending"] == 0:
                    break
            except OSError:
                pass
            assert proc.poll() is None, "the server exited"
            assert time.monotonic() < deadline, "the server did not get ready"
            time.sleep(0.2)
        yield get
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def answers(get: Any) -> dict[str, Any]:
    status = get("status")
    return {
        "counts": (status["notebooks"], status["blocks"], status["references"]),
        "skipped": status["skipped"],
        "backlinks": {i: get(f"backlinks/{i}") for i in ("sales-plot", "season-plot")},
        "search": get("search?q=seasonal%20index"),
        "notebook": get("notebook-backlinks?path=data/sales.ipynb"),
        "block": get("block/summary-table"),
    }


def test_deleting_the_index_and_restarting_gives_the_same_answers(tmp_path: Path):
    root = tmp_path / "root"
    shutil.copytree(DEMO, root)
    copy_pdsh(root / "pdsh")
    db = tmp_path / "index" / "blocks.sqlite"
    # Given a server that indexed the root
    with jupyter_server(root, tmp_path, db) as get:
        first = answers(get)
    assert db.exists()
    assert first["counts"][0] == 71
    # When the index file is deleted and the server restarted
    for suffix in ("", "-wal", "-shm"):
        Path(str(db) + suffix).unlink(missing_ok=True)
    with jupyter_server(root, tmp_path, db) as get:
        rebuilt = answers(get)
    # Then it answers exactly as before
    assert rebuilt == first
    # And a plain restart reuses the index, with the same answers
    with jupyter_server(root, tmp_path, db) as get:
        assert answers(get) == first
