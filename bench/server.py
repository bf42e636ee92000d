"""A real `jupyter server` on loopback, for the benchmarks that go through HTTP."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

TOKEN = "bench-token"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Server:
    def __init__(self, port: int, process: subprocess.Popen[bytes]) -> None:
        self.base = f"http://127.0.0.1:{port}"
        self.process = process

    def request(self, method: str, path: str, body: Any = None) -> tuple[float, Any]:
        """Seconds taken and the decoded JSON answer."""
        data = json.dumps(body).encode() if body is not None else None
        req = urllib.request.Request(
            self.base + path,
            data=data,
            method=method,
            headers={"Authorization": f"token {TOKEN}", "Content-Type": "application/json"},
        )
        start = time.perf_counter()
        try:
            with urllib.request.urlopen(req, timeout=60) as response:
                payload = response.read()
        except urllib.error.HTTPError as error:  # say what the server said
            raise RuntimeError(f"{method} {path}: {error.code} {error.read()[:500]!r}") from None
        return time.perf_counter() - start, json.loads(payload) if payload else None

    def get(self, path: str) -> Any:
        return self.request("GET", path)[1]

    def rss_mb(self) -> float:
        with open(f"/proc/{self.process.pid}/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024
        return float("nan")


@contextmanager
def jupyter_server(
    root: Path, home: Path, *, blocks: bool = True, db: Path | None = None
) -> Iterator[Server]:
    """A server on ``root``; with ``blocks`` it waits until the index is ready."""
    port = free_port()
    extensions = "jupyter_blocks=True" if blocks else "jupyter_blocks=False"
    args = [
        sys.executable,
        "-m",
        "jupyter_server",
        f"--ServerApp.root_dir={root}",
        f"--ServerApp.port={port}",
        "--ServerApp.ip=127.0.0.1",
        "--ServerApp.open_browser=False",
        "--ServerApp.allow_root=True",
        f"--IdentityProvider.token={TOKEN}",
        f"--ServerApp.jpserver_extensions={extensions}",
        "--ServerApp.log_level=WARN",
    ]
    if db is not None:
        args.append(f"--BlocksExtension.db_path={db}")
    env = {
        **os.environ,
        "JUPYTER_DATA_DIR": str(home / "data"),
        "JUPYTER_RUNTIME_DIR": str(home / "rt"),
    }
    process = subprocess.Popen(args, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    server = Server(port, process)
    try:
        deadline = time.monotonic() + 600
        while True:
            try:
                if not blocks:
                    server.get("/api/status")
                    break
                status = server.get("/api/blocks/status")
                if status["state"] == "ready" and status["pending"] == 0:
                    break
            except (OSError, urllib.error.URLError):
                pass
            if process.poll() is not None:
                raise RuntimeError("the server exited")
            if time.monotonic() > deadline:
                raise RuntimeError("the server did not get ready")
            time.sleep(0.2)
        yield server
    finally:
        process.terminate()
        process.wait(timeout=60)


@contextmanager
def lab_server(root: Path, home: Path) -> Iterator[str]:
    """JupyterLab with the extension on ``root`` (its page exposes ``window.jupyterapp``);
    yields the base URL once the index has caught up with the files (at 10,000
    notebooks, checking them all again takes minutes on a small machine)."""
    port = free_port()
    args = [
        sys.executable,
        "-m",
        "jupyterlab",
        f"--ServerApp.root_dir={root}",
        f"--ServerApp.port={port}",
        "--ServerApp.ip=127.0.0.1",
        "--ServerApp.open_browser=False",
        "--ServerApp.allow_root=True",
        "--IdentityProvider.token=",
        "--ServerApp.password=",
        "--ServerApp.disable_check_xsrf=True",
        "--LabApp.expose_app_in_browser=True",
        "--ServerApp.log_level=WARN",
    ]
    env = {
        **os.environ,
        "JUPYTER_DATA_DIR": str(home / "data"),
        "JUPYTER_RUNTIME_DIR": str(home / "rt"),
    }
    process = subprocess.Popen(args, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}/"
    try:
        deadline = time.monotonic() + 900
        while True:
            try:
                with urllib.request.urlopen(base + "api/blocks/status", timeout=5) as response:
                    status = json.loads(response.read())
                    if status["state"] == "ready" and status["pending"] == 0:
                        break
            except (OSError, urllib.error.URLError, ValueError):
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("JupyterLab did not start")
            time.sleep(0.2)
        yield base
    finally:
        process.terminate()
        process.wait(timeout=60)
