"""Helpers shared by the tests: where the corpora are, and a client of the REST API."""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from jupyter_server.auth.authorizer import Authorizer
from tornado.httpclient import HTTPClientError

REPO = Path(__file__).resolve().parents[1]
# The corpus and tools shared beside the project (CI lays them out so; a public clone has
# none). Tests over the whole corpus use them, and are skipped with this reason without.
SHARED = Path(os.environ.get("JUPYTER_BLOCKS_SHARED", REPO.parent / "shared"))
PDSH = SHARED / "corpus" / "pdsh"
MAKE_CORPUS = SHARED / "tools" / "make_corpus.py"
NO_SHARED = "../shared/corpus/pdsh is not beside the repository"
needs_shared = pytest.mark.skipif(not PDSH.is_dir(), reason=NO_SHARED)
DEMO = REPO / "demo"
# The demo's notebooks (what the server indexes of a copy: hidden folders left out).
DEMO_NOTEBOOKS = sum(
    1 for p in DEMO.rglob("*.ipynb") if not any(x[0] == "." for x in p.relative_to(DEMO).parts)
)
# Our own notebooks in the real on-disk shape (tests/fixtures/make_fixtures.py says what).
FIXTURES = REPO / "tests" / "fixtures" / "notebooks"


def copy_notebooks(source: Path, dest: Path) -> list[Path]:
    """The ``.ipynb`` files under ``source`` copied to ``dest``, folders kept, and nothing
    else: no hidden folder (``.ipynb_checkpoints``), no file JupyterLab, an export or a
    person left beside them. Tests may write to the copies."""
    copied = []
    for notebook in sorted(source.rglob("*.ipynb")):
        relative = notebook.relative_to(source)
        if any(part.startswith(".") for part in relative.parts):
            continue
        target = dest / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(notebook, target)
        copied.append(target)
    return copied


def copy_demo(dest: Path) -> list[Path]:
    """The demo's notebooks (demo/), as a fresh clone has them."""
    return copy_notebooks(DEMO, dest)


def copy_fixtures(dest: Path) -> list[Path]:
    """The fixture notebooks: nbformat 3, 4.0, 4.1, 4.4 and 4.5, with references."""
    return copy_notebooks(FIXTURES, dest)


def copy_pdsh(dest: Path) -> list[Path]:
    """The real notebooks (not their data folders), copied: tests may write to them.
    Skips the test when ../shared is not there."""
    if not PDSH.is_dir():
        pytest.skip(NO_SHARED)
    dest.mkdir(parents=True, exist_ok=True)
    copied = []
    for nb in sorted(PDSH.glob("*.ipynb")):
        shutil.copy(nb, dest / nb.name)
        copied.append(dest / nb.name)
    return copied


def generate(root: Path, notebooks: int, seed: int = 3) -> dict[str, Any]:
    """A corpus made by make_corpus.py from pdsh under ``root``; its ground truth.
    Skips the test when ../shared is not there."""
    if not (PDSH.is_dir() and MAKE_CORPUS.is_file()):
        pytest.skip(NO_SHARED)
    subprocess.run(
        [
            sys.executable,
            str(MAKE_CORPUS),
            "--source",
            str(PDSH),
            "--out",
            str(root),
            "--notebooks",
            str(notebooks),
            "--seed",
            str(seed),
        ],
        check=True,
        capture_output=True,
    )
    truth: dict[str, Any] = json.loads((root / "ground_truth.json").read_text())
    return truth


def run_check(root: Path, home: Path) -> tuple[int, dict[str, Any], str]:
    """``jupyter blocks index`` then ``check`` on ``root`` with an index in ``home``:
    the JSON report's exit code, the report, and the text report."""
    env = {
        **os.environ,
        "JUPYTER_CONFIG_DIR": str(home / "config"),
        "JUPYTER_DATA_DIR": str(home / "data"),
    }
    db = f"--BlocksApp.db_path={home / 'index.sqlite'}"

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "jupyter_blocks.cli", *args, db],
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )

    run("index", str(root))
    as_json = run("check", str(root), "--json")
    return as_json.returncode, json.loads(as_json.stdout), run("check", str(root)).stdout


class BlocksClient:
    """The REST API as a user's frontend sees it."""

    def __init__(self, fetch: Any) -> None:
        self.fetch = fetch

    async def get(self, *path: str, **params: Any) -> Any:
        response = await self.fetch("api", "blocks", *path, params=params or None)
        return json.loads(response.body)

    async def post(self, *path: str, body: Any) -> Any:
        response = await self.fetch("api", "blocks", *path, method="POST", body=json.dumps(body))
        return json.loads(response.body)

    async def error(
        self, *path: str, method: str = "GET", body: Any = None, **params: Any
    ) -> tuple[int, str]:
        """The status code and message of a request expected to fail."""
        kwargs: dict[str, Any] = {"method": method, "params": params or None}
        if body is not None:
            kwargs["body"] = json.dumps(body)
        with pytest.raises(HTTPClientError) as info:
            await self.fetch("api", "blocks", *path, **kwargs)
        response = info.value.response
        message = json.loads(response.body).get("message", "") if response and response.body else ""
        return info.value.code, message

    async def ready(self, timeout: float = 60) -> dict[str, Any]:
        """Status once the index has caught up with everything it was told about."""
        deadline = time.monotonic() + timeout
        while True:
            status = await self.get("status")
            if status["state"] == "ready" and status["pending"] == 0:
                return status
            if time.monotonic() > deadline:
                raise AssertionError(f"index not ready after {timeout}s: {status}")
            await asyncio.sleep(0.05)

    async def until(self, check: Any, timeout: float = 15) -> Any:
        """Poll ``check`` (an async callable) until it returns something truthy."""
        deadline = time.monotonic() + timeout
        while True:
            value = await check()
            if value:
                return value
            if time.monotonic() > deadline:
                raise AssertionError(f"condition not met after {timeout}s (last: {value!r})")
            await asyncio.sleep(0.1)

    async def backlink_set(self, block_id: str) -> set[tuple[str | None, str, str]]:
        reply = await self.get("backlinks", block_id)
        return {(b["id"], b["path"], b["kind"]) for b in reply["backlinks"]}


TOKEN = "restart-test-token"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def jupyter_server(
    root: Path,
    home: Path,
    db: Path | None,
    wait: bool = True,
    log: Path | None = None,
    extra: tuple[str, ...] = (),
) -> Iterator[Any]:
    """A real `jupyter server` process with jupyter_blocks, on loopback (``get`` has the
    process as ``get.process`` and its port as ``get.port``). ``db=None`` leaves the
    index at its default place; ``extra`` adds command-line options."""
    port = free_port()
    env = {
        **os.environ,
        "JUPYTER_DATA_DIR": str(home / "data"),
        "JUPYTER_RUNTIME_DIR": str(home / "runtime"),
    }
    log_file = open(log, "ab") if log else None  # noqa: SIM115 - closed below
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
            *([f"--BlocksExtension.db_path={db}"] if db is not None else []),
            *extra,
        ],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=log_file or subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}/api/blocks/"

    def get(path: str) -> Any:
        request = urllib.request.Request(base + path, headers={"Authorization": f"token {TOKEN}"})
        with urllib.request.urlopen(request, timeout=10) as response:
            return json.loads(response.read())

    def save(path: str, content: Any) -> None:
        """Save a notebook through the contents API, as JupyterLab does."""
        body = json.dumps({"type": "notebook", "format": "json", "content": content}).encode()
        request = urllib.request.Request(
            f"http://127.0.0.1:{port}/api/contents/{path}",
            data=body,
            method="PUT",
            headers={"Authorization": f"token {TOKEN}", "Content-Type": "application/json"},
        )
        with urllib.request.urlopen(request, timeout=30) as response:
            response.read()

    get.process = proc  # type: ignore[attr-defined]
    get.port = port  # type: ignore[attr-defined]
    get.save = save  # type: ignore[attr-defined]
    try:
        deadline = time.monotonic() + 120
        while wait:
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
        if proc.poll() is None:
            proc.terminate()
            proc.wait(timeout=30)
        if log_file:
            log_file.close()


class DenyAllAuthorizer(Authorizer):
    """Refuses everything (a locked-down deployment)."""

    def is_authorized(self, handler: Any, user: Any, action: str, resource: str) -> bool:
        return False


class ReadOnlyAuthorizer(Authorizer):
    """Allows reads only (a viewer role)."""

    def is_authorized(self, handler: Any, user: Any, action: str, resource: str) -> bool:
        return action == "read"
