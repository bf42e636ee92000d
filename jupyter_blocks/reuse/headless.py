"""Headless runs: a code block's recipe (the same closure as ``use()``) run in a fresh
kernel started by a kernel manager (the Jupyter server's, so that a gateway or remote
kernels work unchanged), with overrides, a time limit and progress; the result holds
the target's outputs and value, the code that ran and its provenance.

What runs, in order, on one new kernel (shut down afterwards, whatever happens):

1. the overrides, bound first (JSON values: ``json.loads`` in the kernel);
2. each recipe cell as written (magics and ``!`` lines are the kernel's own), the
   overrides bound again after each cell above the target (``use()``'s rule: the
   override wins, and the target runs as written);
3. nothing else: upstream output is not kept, the target's is.

A cell that raises stops the run: the result's ``status`` is ``"error"`` with the
error, the cell and what it printed. Past the time limit the kernel is shut down and
``status`` is ``"timeout"``.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime
import hashlib
import json
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from jupyter_client.kernelspec import NoSuchKernel
from nbformat.v4 import output_from_msg

from .api import _check_overrides, _check_runnable, _skipped, _source
from .closure import Cell, Plan, plan
from .errors import NotCodeBlock, NotPython, UseError
from .source import SourceNotebook

Progress = Callable[[dict[str, Any]], None]
DEFAULT_TIMEOUT = 120.0  # seconds a run may take, kernel start included
MAX_TIMEOUT = 3600.0
MAX_OUTPUT = 8 * 2**20  # bytes of outputs a run returns and caches (a cell may print GBs)
ALIVE_EVERY = 1.0  # seconds of silence from the kernel before checking it still runs


@dataclass
class Recipe:
    """What a headless run runs: the plan with its overrides, from a notebook."""

    name: str  # how the user named the block (id, label or path#n)
    notebook: SourceNotebook
    plan: Plan
    given: dict[str, Any]

    @property
    def steps(self) -> list[Cell]:
        return self.plan.steps

    def key(self, kernel: str) -> str:
        """The cache key: the notebook's path (the kernel starts in its folder, where
        relative paths lead), the sources of the cells that run, in order, the
        overrides and the kernel (SHA-256, hex)."""
        material = {
            "path": self.notebook.path,
            "cells": [[c.index, c.id, c.source] for c in self.steps],
            "given": self.given,
            "kernel": kernel,
        }
        text = json.dumps(material, sort_keys=True, ensure_ascii=False, default=str)
        return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


def prepare(
    name: str, notebook: SourceNotebook, position: int, given: Mapping[str, Any], **limits: Any
) -> Recipe:
    """The recipe of the code cell at ``position`` with ``given`` overrides (JSON
    values), checked as ``use()`` checks it: UseError subclasses (NotCodeBlock,
    NotPython, UnknownOverride, MissingInput, CellFailed for a cell that does not
    parse, RecipeTooLarge past ``limits``)."""
    cell = notebook.cells[position]
    if cell.get("cell_type") != "code":
        raise NotCodeBlock(f"{name} is a {cell.get('cell_type')} cell: only code runs.")
    if not notebook.python:
        raise NotPython(
            f"{name} is in a {notebook.language or 'non-Python'} notebook: headless runs "
            "run Python recipes only."
        )
    for key, value in given.items():
        if not key.isidentifier():
            raise UseError(f"{key!r} is not a Python name: it cannot be given.")
        try:
            json.dumps(value)
        except (TypeError, ValueError):
            raise UseError(f"The value of {key} is not JSON.") from None
    cells = notebook.code_cells_until(position)
    whole = plan(cells, **limits)
    _check_overrides(name, whole, given)
    chosen = plan(cells, given.keys(), **limits) if given else whole
    _check_runnable(name, notebook.path, chosen)
    return Recipe(name, notebook, chosen, dict(given))


async def run_recipe(
    recipe: Recipe,
    kernels: Any,
    kernel_name: str,
    timeout: float = DEFAULT_TIMEOUT,
    progress: Progress | None = None,
    cwd: str | None = None,
) -> dict[str, Any]:
    """Run ``recipe`` on a new kernel of ``kernel_name`` from ``kernels`` (a Jupyter
    MultiKernelManager: the server's MappingKernelManager, a gateway's, or
    jupyter_client's), within ``timeout`` seconds in all. Returns the result's JSON
    shape (``result_json``)."""
    tell = progress or (lambda _: None)
    started = time.monotonic()
    deadline = started + timeout
    steps = recipe.steps
    tell({"state": "starting", "steps": len(steps)})
    kernel_id = None
    outputs: list[dict[str, Any]] = []
    value = None
    error = None
    status = "ok"
    try:
        # In the notebook's folder, as JupyterLab starts its kernel: a server's kernel
        # manager (or a gateway's) is given the notebook's path, jupyter_client's the
        # folder (``cwd``).
        place: dict[str, Any] = {}
        if hasattr(kernels, "cwd_for_path"):
            place["path"] = recipe.notebook.path
        elif cwd is not None:
            place["cwd"] = cwd
        try:
            kernel_id = await asyncio.wait_for(
                kernels.start_kernel(kernel_name=kernel_name, **place),
                max(0.1, deadline - time.monotonic()),
            )
        except NoSuchKernel:
            raise UseError(f"No kernel named {kernel_name[:80]!r} is installed here.") from None
        manager = kernels.get_kernel(kernel_id)
        with contextlib.suppress(Exception):
            # A kernel that exits ends the run (KernelDied), never comes back mid-run
            manager.stop_restarter()
        client = manager.client()
        client.start_channels()
        step_number = 0
        try:
            await client.wait_for_ready(timeout=max(0.1, deadline - time.monotonic()))
            if recipe.given:
                await _execute(client, _bind_first(recipe.given), deadline, manager)
            for number, step in enumerate(steps, start=1):
                tell({"state": "running", "step": number, "steps": len(steps), "cell": step.number})
                step_number = step.number
                target = step is recipe.plan.target
                shown, value, error = await _execute(client, step.source, deadline, manager)
                if error is not None:
                    outputs, status = shown, "error"
                    error["cell"] = step.number
                    break
                if target:
                    outputs = shown
                elif recipe.given:
                    await _execute(client, _bind_again(), deadline, manager)
        finally:
            client.stop_channels()
    except KernelDied:
        status = "error"
        where = f" while running cell {step_number}" if step_number else ""
        error = {"ename": "KernelDied", "evalue": f"the kernel exited{where}", "traceback": []}
        if step_number:
            error["cell"] = step_number
    except asyncio.TimeoutError:
        status = "timeout"
        error = {"ename": "Timeout", "evalue": f"the run did not finish within {timeout:g} s"}
    finally:
        if kernel_id is not None:
            with contextlib.suppress(Exception):  # a kernel already gone is what we want
                await kernels.shutdown_kernel(kernel_id, now=True)
    took = time.monotonic() - started
    tell({"state": "done" if status == "ok" else status, "steps": len(steps), "seconds": took})
    return result_json(recipe, kernel_name, status, outputs, value, error, took)


def _dropped() -> dict[str, Any]:
    return {
        "output_type": "stream",
        "name": "stderr",
        "text": f"[output past {MAX_OUTPUT // 2**20} MiB not kept: run the notebook itself]\n",
    }


class KernelDied(Exception):
    """The kernel exited (or was killed) before the code it was given finished."""


async def _alive(manager: Any) -> bool:
    try:
        alive = manager.is_alive()
        return bool(await alive) if asyncio.iscoroutine(alive) else bool(alive)
    except Exception:
        return True  # cannot tell: the deadline still bounds the wait


async def _execute(
    client: Any, code: str, deadline: float, manager: Any = None
) -> tuple[list[dict[str, Any]], Any, dict[str, Any] | None]:
    """Run ``code``; its outputs (nbformat's shape), its value (the execute_result's
    data, or None) and its error (or None). TimeoutError past ``deadline``; KernelDied
    when the kernel (``manager``'s) exits meanwhile (looked at every second of
    silence)."""
    msg_id = client.execute(code, store_history=False, allow_stdin=False, stop_on_error=True)
    outputs: list[dict[str, Any]] = []
    value = None
    error = None
    kept = 0  # bytes of output kept: past MAX_OUTPUT, outputs are dropped and said so
    while True:
        left = deadline - time.monotonic()
        if left <= 0:
            raise asyncio.TimeoutError
        try:
            msg = await client.get_iopub_msg(timeout=min(left, ALIVE_EVERY))
        except Exception as missing:  # queue.Empty: the kernel said nothing in time
            if manager is not None and not await _alive(manager):
                raise KernelDied from None
            if left <= ALIVE_EVERY:
                raise asyncio.TimeoutError from missing
            continue
        if msg.get("parent_header", {}).get("msg_id") != msg_id:
            continue
        kind = msg["msg_type"]
        content = msg["content"]
        if kind == "status" and content.get("execution_state") == "idle":
            break
        if kind == "clear_output":
            outputs = []
        elif kind in ("stream", "display_data", "execute_result", "error"):
            output = dict(output_from_msg(msg))
            size = len(json.dumps(output, default=str))
            if kept + size > MAX_OUTPUT and kind != "error":
                if kept <= MAX_OUTPUT:  # said once
                    outputs.append(_dropped())
                kept = MAX_OUTPUT + 1
                continue
            kept += size
            outputs.append(output)
            if kind == "execute_result":
                value = dict(content.get("data", {}))
            if kind == "error":
                error = {k: content.get(k) for k in ("ename", "evalue", "traceback")}
    return outputs, value, error


def _bind_first(given: Mapping[str, Any]) -> str:
    text = json.dumps(given, ensure_ascii=True)
    return (
        "import json as _jb_json\n"
        f"_jb_given = _jb_json.loads({text!r})\n"
        "del _jb_json\n"
        "globals().update(_jb_given)\n"
    )


def _bind_again() -> str:
    return "globals().update(_jb_given)\n"


def result_json(
    recipe: Recipe,
    kernel: str,
    status: str,
    outputs: list[dict[str, Any]],
    value: Any,
    error: dict[str, Any] | None,
    seconds: float,
) -> dict[str, Any]:
    """The result of a run (the REST API's and ``--json``'s shape): ``status`` ("ok",
    "error", "timeout"), ``outputs`` (the target's, nbformat JSON), ``value`` (its
    execute_result's mime bundle, or null), ``error`` ({ename, evalue, traceback,
    cell} or null), ``source`` (the code that ran, a percent script), ``provenance``
    ({path, cells: [{path, index, number, id, sha256}], skipped, overrides, kernel,
    last_modified, ran_at, seconds}), ``key`` (the cache key) and ``cached``."""
    notebook = recipe.notebook
    path = notebook.path
    return {
        "status": status,
        "outputs": outputs,
        "value": value,
        "error": error,
        "source": _source(recipe.name, path, recipe.plan, recipe.given),
        "provenance": {
            "path": path,
            "block": recipe.name,
            "cells": [
                {
                    "path": path,
                    "index": c.index,
                    "number": c.number,
                    "id": c.id,
                    "sha256": hashlib.sha256(c.source.encode("utf-8", "surrogatepass")).hexdigest(),
                }
                for c in recipe.steps
            ],
            "skipped": [
                {"number": cell.number, "id": cell.id, "given": names}
                for cell, names in _skipped(path, recipe.plan)
            ],
            "overrides": recipe.given,
            "kernel": kernel,
            "last_modified": notebook.saved,
            "ran_at": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
            "seconds": round(seconds, 3),
        },
        "key": recipe.key(kernel),
        "cached": False,
    }
