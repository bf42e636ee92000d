"""A real IPython kernel for the reuse tests, and notebooks written as Jupyter writes them
(JSON indented by one space, every source a list of lines)."""

from __future__ import annotations

import ast
import json
import os
import re
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from jupyter_client.blocking import BlockingKernelClient
from jupyter_client.manager import KernelManager

REPO = Path(__file__).resolve().parents[1]
BLOCKS_ENV = (
    "JUPYTER_BLOCKS_URL",
    "JUPYTER_BLOCKS_TOKEN",
    "JUPYTER_BLOCKS_ROOT",
    "JUPYTER_BLOCKS_DB",
)


def lines(text: str) -> list[str]:
    return text.splitlines(keepends=True)


def write_notebook(
    path: Path,
    cells: list[tuple[str, str, str | None]],
    language: str = "python",
    minor: int = 5,
) -> Path:
    """A notebook of ``(cell_type, source, id)`` cells, as nbformat writes it on disk."""
    written = []
    for cell_type, source, cell_id in cells:
        cell: dict[str, Any] = {"cell_type": cell_type, "metadata": {}, "source": lines(source)}
        if cell_id is not None:
            cell["id"] = cell_id
        if cell_type == "code":
            cell["execution_count"] = None
            cell["outputs"] = []
        written.append(dict(sorted(cell.items())))
    kernel = {"python": ("python3", "Python 3"), "R": ("ir", "R")}[language]
    nb = {
        "cells": written,
        "metadata": {
            "kernelspec": {"display_name": kernel[1], "language": language, "name": kernel[0]},
            "language_info": {"name": language},
        },
        "nbformat": 4,
        "nbformat_minor": minor,
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(nb, indent=1) + "\n")
    return path


@dataclass
class Reply:
    """What one execution produced, as a frontend receives it."""

    status: str
    streams: dict[str, str] = field(default_factory=dict)
    displays: list[dict[str, Any]] = field(default_factory=list)  # display_data bundles
    result: dict[str, Any] | None = None  # the execute_result bundle
    error: dict[str, Any] | None = None  # ename, evalue, traceback (ANSI stripped)

    @property
    def text(self) -> str:
        """The execute_result's text/plain (what ``Out`` shows)."""
        assert self.status == "ok", self.error
        assert self.result is not None, "the cell showed no value"
        return str(self.result["text/plain"])


class Kernel:
    """A client of a running kernel, executing code as JupyterLab does."""

    def __init__(self, client: BlockingKernelClient) -> None:
        self.client = client

    def run(self, code: str, timeout: float = 120) -> Reply:
        messages: list[dict[str, Any]] = []
        reply = self.client.execute_interactive(
            code, output_hook=messages.append, timeout=timeout, allow_stdin=False
        )
        out = Reply(reply["content"]["status"])
        for message in messages:
            kind, content = message["header"]["msg_type"], message["content"]
            if kind == "stream":
                out.streams[content["name"]] = (
                    out.streams.get(content["name"], "") + content["text"]
                )
            elif kind == "display_data":
                out.displays.append(content["data"])
            elif kind == "execute_result":
                out.result = content["data"]
            elif kind == "error":
                out.error = {
                    "ename": content["ename"],
                    "evalue": content["evalue"],
                    "traceback": _strip_ansi("\n".join(content["traceback"])),
                }
        return out

    def ok(self, code: str) -> Reply:
        reply = self.run(code)
        assert reply.status == "ok", reply.error
        return reply

    def value(self, code: str) -> Any:
        """The value of a Python expression in the kernel (via its repr)."""
        return ast.literal_eval(self.ok(code).text)


def _strip_ansi(text: str) -> str:
    return re.sub(r"\x1b\[[0-9;]*m", "", text)


def kernel_env(data_dir: Path, extra: dict[str, str] | None = None) -> dict[str, str]:
    """The environment of a kernel outside any server: this checkout importable, its own
    Jupyter data folder (the index files), no server announced."""
    env = {k: v for k, v in os.environ.items() if k not in BLOCKS_ENV and k != "MPLBACKEND"}
    env["PYTHONPATH"] = os.pathsep.join([str(REPO), env.get("PYTHONPATH", "")]).rstrip(os.pathsep)
    env["JUPYTER_DATA_DIR"] = str(data_dir)
    env.update(extra or {})
    return env


@contextmanager
def local_kernel(cwd: Path, env: dict[str, str]) -> Iterator[Kernel]:
    """An ipykernel started here (as JupyterLab would, but by no server)."""
    manager = KernelManager(kernel_name="python3")
    manager.kernel_spec  # noqa: B018 - fail early when no Python kernel is installed
    manager.start_kernel(cwd=str(cwd), env=env, extra_arguments=["--HistoryManager.enabled=False"])
    client = manager.client()
    client.start_channels()
    try:
        client.wait_for_ready(timeout=60)
        yield Kernel(client)
    finally:
        client.stop_channels()
        manager.shutdown_kernel(now=True)


@contextmanager
def connected_kernel(connection_file: Path) -> Iterator[Kernel]:
    """A client of a kernel some server started (from its connection file)."""
    client = BlockingKernelClient(connection_file=str(connection_file))
    client.load_connection_file()
    # No heartbeat: without one, "alive" means "answers", which wait_for_ready checks;
    # with one, a kernel still importing is taken for dead before its first beat.
    client.start_channels(hb=False)
    try:
        client.wait_for_ready(timeout=60)
        yield Kernel(client)
    finally:
        client.stop_channels()


def wait_for(path: Path, timeout: float = 30) -> Path:
    deadline = time.monotonic() + timeout
    while not path.exists():
        assert time.monotonic() < deadline, f"{path} did not appear"
        time.sleep(0.1)
    return path


__all__ = [
    "Kernel",
    "Reply",
    "connected_kernel",
    "kernel_env",
    "local_kernel",
    "wait_for",
    "write_notebook",
]
