"""pytest fixtures for other projects' server-side tests of notebooks that use blocks.

Installed with jupyter-blocks and loaded by pytest through the ``pytest11`` entry point
``jupyter_blocks.pytest_plugin`` (or ``-p jupyter_blocks.pytest_plugin``). The fixtures:

- ``blocks_root``: the server's root, an empty temporary folder (``pathlib.Path``).
  Override it to fill it before the server starts, or write notebooks later through
  ``blocks_client.save_notebook`` as JupyterLab would.
- ``blocks_server_options``: extra command-line options of the server (a list of
  ``--Class.trait=value`` strings, empty by default); override it to configure the
  extension (the README's "Configuration").
- ``blocks_server``: a real ``jupyter server`` process with the extension, on loopback,
  on ``blocks_root``, with its own index and Jupyter folders in a temporary folder
  (``BlocksServer``). Stopped at the end of the test.
- ``blocks_client``: a client of the REST API of that server (``BlocksClient``).
- ``blocks_index``: the same client once the index is ready and idle (every notebook in
  the root is indexed and can be found).

Every fixture is function-scoped; the names all start with ``blocks_`` so that a project's
own fixtures (``jp_*`` of pytest-jupyter, ...) are never shadowed. This module imports
only the standard library and pytest at load time: pytest loads it in every project that
has jupyter-blocks installed.
"""

from __future__ import annotations

import json
import os
import secrets
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

__all__ = ["BlocksClient", "BlocksHTTPError", "BlocksServer", "BlocksServerError"]

# Seconds: a server starts in 2-5 s on a loaded machine; a first index of a large root
# takes longer, which is what ``wait_ready(timeout=...)`` is for.
START_TIMEOUT = 60.0
READY_TIMEOUT = 60.0
REQUEST_TIMEOUT = 30.0


class BlocksServerError(RuntimeError):
    """The server did not start, or exited; the message ends with its log's last lines."""


class BlocksHTTPError(Exception):
    """An error answer: ``code`` is the HTTP status, ``message`` the body's ``message``
    (the sentence the README's "REST API" describes), or the raw body when not JSON."""

    def __init__(self, code: int, message: str) -> None:
        super().__init__(f"HTTP {code}: {message}")
        self.code = code
        self.message = message


class BlocksClient:
    """A client of the REST API of jupyter-blocks (README, "REST API") on one server.

    Answers are the decoded JSON bodies; an error answer raises ``BlocksHTTPError``.
    """

    def __init__(self, url: str, token: str) -> None:
        self.url = url.rstrip("/") + "/"
        self.token = token

    def request(self, method: str, path: str, body: Any = None, **params: Any) -> Any:
        """``method`` on ``path`` (relative to the server's base URL, e.g.
        ``api/blocks/status``) with the query ``params``; ``body`` is sent as JSON."""
        url = self.url + path.lstrip("/")
        if params:
            url += "?" + urllib.parse.urlencode(params, doseq=True)
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(  # noqa: S310 - our own loopback server
            url,
            data=data,
            method=method,
            headers={"Authorization": f"token {self.token}", "Content-Type": "application/json"},
        )
        try:
            with urllib.request.urlopen(request, timeout=REQUEST_TIMEOUT) as response:  # noqa: S310
                raw = response.read()
        except urllib.error.HTTPError as error:
            with error:  # its connection, closed here rather than by the collector
                text = error.read().decode(errors="replace")
            try:
                message = str(json.loads(text)["message"])
            except (ValueError, KeyError, TypeError):
                message = text
            raise BlocksHTTPError(error.code, message) from None
        return json.loads(raw) if raw else None

    def get(self, path: str, **params: Any) -> Any:
        """``GET /api/blocks/<path>``: ``get("status")``, ``get("block/<id>")``,
        ``get("search", q="sales")``, ``get("backlinks/<id>")``, ..."""
        return self.request("GET", f"api/blocks/{path}", **params)

    def post(self, path: str, body: Any) -> Any:
        """``POST /api/blocks/<path>`` with a JSON body: ``post("resolve", {"ids": [...]})``."""
        return self.request("POST", f"api/blocks/{path}", body)

    def status(self) -> dict[str, Any]:
        """``GET /api/blocks/status``: ``state`` (``indexing`` or ``ready``), ``pending``,
        the counts of notebooks, blocks and references, and any problems."""
        return dict(self.get("status"))

    def save_notebook(self, path: str, notebook: dict[str, Any]) -> None:
        """Save a notebook (nbformat JSON as a dict) at ``path`` (relative to the root)
        through the contents API, as JupyterLab saves one; folders must exist."""
        self.request(
            "PUT",
            "api/contents/" + urllib.parse.quote(path),
            {"type": "notebook", "format": "json", "content": notebook},
        )

    def wait_ready(self, timeout: float = READY_TIMEOUT) -> dict[str, Any]:
        """Wait until the index is ready and idle (``state`` is ``ready``, nothing
        ``pending``); the status. Raises ``TimeoutError`` with the last status after
        ``timeout`` seconds. Call it after writing notebooks: the server notices files
        written to the root by any program, within its poll interval."""
        deadline = time.monotonic() + timeout
        while True:
            try:
                status = self.status()
                if status.get("state") == "ready" and status.get("pending") == 0:
                    return status
                last: Any = status
            except (OSError, ValueError) as error:
                last = error
            if time.monotonic() > deadline:
                raise TimeoutError(f"the blocks index did not get ready: {last}")
            time.sleep(0.1)


@dataclass
class BlocksServer:
    """A running server: its ``root`` (a Path), base ``url``, ``token`` and ``process``
    (a ``subprocess.Popen``); ``log`` is the file holding its output."""

    root: Path
    url: str
    token: str
    process: subprocess.Popen[bytes]
    log: Path

    def client(self) -> BlocksClient:
        """A REST client of this server."""
        return BlocksClient(self.url, self.token)

    def log_tail(self, lines: int = 30) -> str:
        """The last lines of the server's log."""
        try:
            text = self.log.read_text(errors="replace")
        except OSError:
            return ""
        return "\n".join(text.splitlines()[-lines:])


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def start_server(root: Path, home: Path, options: list[str]) -> BlocksServer:
    """Start ``jupyter server`` with the extension on ``root``; its index, Jupyter data
    and runtime folders and log under ``home``. Returns once it answers HTTP (the index
    may still be indexing). Raises ``BlocksServerError`` if it exits or does not answer
    within ``START_TIMEOUT`` seconds."""
    home.mkdir(parents=True, exist_ok=True)
    token = secrets.token_hex(16)
    port = _free_port()
    log = home / "server.log"
    env = {
        **os.environ,
        "JUPYTER_DATA_DIR": str(home / "data"),
        "JUPYTER_RUNTIME_DIR": str(home / "runtime"),
    }
    with open(log, "ab") as out:
        process = subprocess.Popen(  # noqa: S603 - our own interpreter and module
            [
                sys.executable,
                "-m",
                "jupyter_server",
                f"--ServerApp.root_dir={root}",
                f"--ServerApp.port={port}",
                "--ServerApp.port_retries=0",
                "--ServerApp.ip=127.0.0.1",
                "--ServerApp.open_browser=False",
                "--ServerApp.allow_root=True",
                f"--IdentityProvider.token={token}",
                "--ServerApp.jpserver_extensions=jupyter_blocks=True",
                f"--BlocksExtension.db_path={home / 'index.sqlite'}",
                *options,
            ],
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    server = BlocksServer(root, f"http://127.0.0.1:{port}/", token, process, log)
    client = server.client()
    deadline = time.monotonic() + START_TIMEOUT
    while True:
        if process.poll() is not None:
            raise BlocksServerError(
                f"the server exited with code {process.returncode}:\n{server.log_tail()}"
            )
        try:
            client.get("version")
            return server
        except (OSError, ValueError):
            pass
        if time.monotonic() > deadline:
            stop_server(server)
            raise BlocksServerError(f"the server did not answer:\n{server.log_tail()}")
        time.sleep(0.1)


def stop_server(server: BlocksServer) -> None:
    """Stop the server (SIGTERM, then SIGKILL after 20 s)."""
    if server.process.poll() is None:
        server.process.terminate()
        try:
            server.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.process.kill()
            server.process.wait()


@pytest.fixture
def blocks_root(tmp_path: Path) -> Path:
    """The server's root: an empty temporary folder."""
    root = tmp_path / "blocks-root"
    root.mkdir()
    return root


@pytest.fixture
def blocks_server_options() -> list[str]:
    """Extra command-line options of the server (``--Class.trait=value``)."""
    return []


@pytest.fixture
def blocks_server(
    blocks_root: Path, blocks_server_options: list[str], tmp_path: Path
) -> Iterator[BlocksServer]:
    """A running ``jupyter server`` with jupyter-blocks on ``blocks_root``."""
    server = start_server(blocks_root, tmp_path / "blocks-server", blocks_server_options)
    try:
        yield server
    finally:
        stop_server(server)


@pytest.fixture
def blocks_client(blocks_server: BlocksServer) -> BlocksClient:
    """A client of the server's REST API (the index may still be indexing)."""
    return blocks_server.client()


@pytest.fixture
def blocks_index(blocks_client: BlocksClient) -> BlocksClient:
    """The REST client, once the index of ``blocks_root`` is ready and idle."""
    blocks_client.wait_ready()
    return blocks_client
