"""``jupyter blocks run ID [--set name=value ...] [--json] [--no-cache] [--timeout S]
[--kernel NAME] [--allow-untrusted]``: a headless run of a block (``reuse/headless.py``).

Where a Jupyter server with jupyter-blocks serves the same root (found in Jupyter's
runtime folder), the run is asked of it (``POST /api/blocks/run``), so that its kernel
manager starts the kernel: a gateway or remote kernels work unchanged, and its results
cache is shared. Otherwise a kernel manager of this process starts it, with the same
settings (``jupyter_server_config``), and the same cache folder is used.

``--set name=value``: the value is JSON when it parses as JSON (``--set n=5``,
``--set 'names=["a","b"]'``), else the text as it is (``--set region=North``).
Exit status: 0 when the block ran, 1 when a cell raised or the time ran out, 2 when it
could not be run (unknown block, not code, not trusted...).
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import sys
import urllib.error
import urllib.request
from typing import Any

from traitlets import Bool, Float, List, Unicode

from ..reuse.errors import UseError
from ..reuse.headless import DEFAULT_TIMEOUT, prepare, run_recipe
from ..reuse.runs import RunCache, Untrusted, cache_folder
from ..reuse.source import read_source_notebook
from .app import COMMON_ALIASES, COMMON_FLAGS, BlocksCommand


class RunCommand(BlocksCommand):
    name = "jupyter blocks run"
    description = """Run a code block headless: its recipe (the cells use() runs) in a
    fresh kernel, with overrides; print what it shows and where it came from."""
    examples = """
        jupyter blocks run sales-plot
        jupyter blocks run sales-plot --set region=North --set n=5 --json
        jupyter blocks run sales-plot --no-cache --timeout=60
        """
    set = List(Unicode(), config=True, help="Overrides, name=value (JSON or text).")
    no_cache = Bool(False, config=True, help="Run again even when a result is cached.")
    allow_untrusted = Bool(False, config=True, help="Run a notebook you have not trusted.")
    timeout = Float(DEFAULT_TIMEOUT, config=True, help="Seconds the run may take in all.")
    kernel = Unicode("", config=True, help="The kernel to start (default: python3).")
    aliases = {  # noqa: RUF012 (traitlets traits, set per class)
        **COMMON_ALIASES,
        "set": "RunCommand.set",
        "timeout": "RunCommand.timeout",
        "kernel": "RunCommand.kernel",
    }
    flags = {  # noqa: RUF012
        **COMMON_FLAGS,
        "no-cache": ({"RunCommand": {"no_cache": True}}, "Run again, whatever is cached."),
        "allow-untrusted": (
            {"RunCommand": {"allow_untrusted": True}},
            "Run the block even when its notebook is not trusted.",
        ),
    }

    def start(self) -> None:
        block_id = self.block_id()
        given = self._given()
        root = self.root_dir()
        body = {"set": given, "no_cache": self.no_cache, "timeout": self.timeout}
        body["allow_untrusted"] = self.allow_untrusted
        if self.kernel:
            body["kernel"] = self.kernel
        served = self._server_of(root)
        if served is not None:
            print(f"Running {block_id} on the Jupyter server at {served[0]}", file=sys.stderr)
            code, result = self._ask(served, block_id, body)
        else:
            code, result = self._run_here(block_id, given)
        if code != 200:
            self.exit_with(str(result.get("message") or result), 2)
            return
        self.print(result, render(result))
        self.exit(0 if result["status"] == "ok" else 1)

    def _given(self) -> dict[str, Any]:
        given: dict[str, Any] = {}
        for item in self.set:
            name, sep, text = item.partition("=")
            if not sep or not name.isidentifier():
                self.exit_with(f"--set takes name=value, not {item!r}", 2)
            try:
                given[name] = json.loads(text)
            except RecursionError:
                self.exit_with(f"--set {name}=...: the JSON is nested too deeply", 2)
            except ValueError:
                given[name] = text
        return given

    def _server_of(self, root: str) -> tuple[str, str] | None:
        """A running Jupyter server's URL and token for this root, if any."""
        from jupyter_server.serverapp import list_running_servers

        for info in list_running_servers():
            try:
                same = os.path.samefile(info.get("root_dir", ""), root)
            except OSError:
                same = False
            if same:
                return info["url"], info.get("token", "")
        return None

    def _ask(self, served: tuple[str, str], block_id: str, body: Any) -> tuple[int, Any]:
        url, token = served
        request = urllib.request.Request(  # noqa: S310 - the server's own http(s) URL
            f"{url.rstrip('/')}/api/blocks/run/{block_id}",
            data=json.dumps(body).encode(),
            method="POST",
            headers={"Authorization": f"token {token}", "Content-Type": "application/json"},
        )
        try:
            with urllib.request.urlopen(request, timeout=self.timeout + 30) as response:  # noqa: S310 - a local server's URL
                return 200, json.loads(response.read())
        except urllib.error.HTTPError as error:
            try:
                return error.code, json.loads(error.read())
            except ValueError:
                return error.code, {"message": str(error)}

    def _run_here(self, block_id: str, given: dict[str, Any]) -> tuple[int, Any]:
        from jupyter_client.multikernelmanager import AsyncMultiKernelManager
        from nbformat.sign import NotebookNotary

        from ..notebooks.cells import NotebookReader

        store, indexer, _ = self.open_index()
        block = store.get_blocks([block_id]).get(block_id)
        store.close()
        if block is None or block.deleted:
            return 404, {"message": f"block not found: {block_id}"}
        os_path = indexer.rules.os_path(block.path)
        try:
            notebook = read_source_notebook(os_path, block.path, indexer.max_size)
            position = notebook.position_of(block.id) if block.id else block.index
            if position is None:
                return 404, {"message": f"{block_id} is not in {block.path} any more"}
            recipe = prepare(block_id, notebook, position, given)
        except UseError as error:
            return 422, {"message": str(error)}
        # Its notes ("Kernel started", "Kernel shutdown") are not the user's business here.
        quiet = logging.getLogger("jupyter_blocks.run.kernels")
        quiet.setLevel(logging.WARNING)
        kernels = AsyncMultiKernelManager(config=self.config, log=quiet)
        kernel = self.kernel or kernels.default_kernel_name
        # Trust first: a cached result of an untrusted notebook is its code's output too
        notary = NotebookNotary(parent=self)
        served = NotebookReader(indexer.max_size).served(os_path, [], notary)
        signature = served.signature if served is not None else None
        trusted = bool(signature) and notary.store.check_signature(signature, notary.algorithm)
        if not trusted and not self.allow_untrusted:
            return 403, {
                "message": str(
                    Untrusted(f"{block.path} is not trusted; pass --allow-untrusted to run it")
                )
            }
        cache = RunCache(cache_folder(indexer.rules.root))
        key = recipe.key(kernel)
        cached = None if self.no_cache else cache.get(key)
        if cached is not None:
            return 200, cached

        def progress(event: dict[str, Any]) -> None:
            if event["state"] == "running":
                print(f"  cell {event['cell']} ({event['step']}/{event['steps']})", file=sys.stderr)

        folder = os.path.dirname(os_path)  # the kernel starts where the notebook is
        try:
            result = asyncio.run(
                run_recipe(recipe, kernels, kernel, self.timeout, progress, folder)
            )
        except UseError as error:
            return 422, {"message": str(error)}
        cache.put(key, result)
        return 200, result


def render(result: dict[str, Any]) -> str:
    """A run's result for a person: what it printed and its value, then where it came
    from (one line), then how it ended."""
    lines = []
    for output in result["outputs"]:
        if output.get("output_type") == "stream":
            lines.append(output.get("text", "").rstrip("\n"))
        elif "data" in output:
            data = output["data"]
            shown = data.get("text/plain") or ", ".join(sorted(data))
            lines.append(shown if isinstance(shown, str) else json.dumps(shown))
    provenance = result["provenance"]
    cells = ", ".join(str(c["number"]) for c in provenance["cells"])
    given = ", ".join(f"{k}={json.dumps(v)}" for k, v in provenance["overrides"].items())
    where = f"{provenance['path']}, cells {cells}" + (f" with {given}" if given else "")
    cached = " (cached)" if result.get("cached") else f" in {provenance['seconds']:.2f} s"
    lines.append(f"# {provenance['block']}: {where}; {result['status']}{cached}")
    if result.get("error"):
        lines.append(f"# {result['error'].get('ename')}: {result['error'].get('evalue')}")
    return "\n".join(lines)
