"""``POST /api/blocks/run/<id>`` and ``POST /api/blocks/run?path=&index=``: a headless
run of a code block's recipe in a fresh kernel of the server's kernel manager.

The body (all optional): ``{"set": {name: JSON value}, "no_cache": bool, "timeout":
seconds, "allow_untrusted": bool, "kernel": name}``. The answer is the result
(``headless.result_json``): 200 whatever the cells did (``status`` says: "ok",
"error", "timeout"); 404 for no such block; 422 for a block that cannot run (markdown,
not Python, a name nothing gives, a keyword nothing reads, a recipe over the limit);
403 for a notebook the user has not trusted, unless ``allow_untrusted``. Progress goes
out as ``run-progress`` events. Authorized as executing on ``kernels``, as starting a
kernel and running code is.
"""

from __future__ import annotations

import time
from typing import Any

from jupyter_server.auth.decorator import authorized
from tornado import web

from ..notebooks.textnotebooks import is_text_name
from ..reuse.errors import BlockNotFound, UseError
from ..reuse.headless import DEFAULT_TIMEOUT, MAX_TIMEOUT, Recipe, prepare, run_recipe
from ..reuse.runs import RunCache, Untrusted, cache_folder
from ..reuse.source import read_source_notebook
from .recipes import PlaceHandler


class RunHandler(PlaceHandler):
    auth_resource = "kernels"

    @web.authenticated
    @authorized(action="execute")
    async def post(self, block_id: str | None = None) -> None:
        # Python's own JSON reader: an override keeps an integer past 64 bits exact
        body = self.json_body(exact=True)
        flags = {key: body.get(key, False) for key in ("allow_untrusted", "no_cache")}
        for key, value in flags.items():
            if not isinstance(value, bool):
                raise web.HTTPError(400, f"{key} is true or false, not {value!r:.40}.")
        given = body.get("set", {})
        if not isinstance(given, dict) or not all(isinstance(k, str) for k in given):
            raise web.HTTPError(400, 'Give overrides as {"set": {"name": value, ...}}.')
        timeout = body.get("timeout", DEFAULT_TIMEOUT)
        if not isinstance(timeout, (int, float)) or not 0 < timeout <= MAX_TIMEOUT:
            raise web.HTTPError(
                400, f"timeout is seconds, more than 0 and at most {MAX_TIMEOUT:g}."
            )
        kernels = self.kernel_manager
        kernel = body.get("kernel") or getattr(kernels, "default_kernel_name", "python3")
        if not isinstance(kernel, str):
            raise web.HTTPError(400, "kernel is the name of a kernel (python3...).")
        specs = getattr(kernels, "kernel_spec_manager", None)
        known = set(specs.find_kernel_specs()) if specs is not None else set()
        if known and kernel not in known:
            raise web.HTTPError(
                400,
                f"No kernel named {kernel[:80]!r} here: one of {', '.join(sorted(known))}.",
            )
        if block_id is not None:
            path, wanted = await self._place_of(self.checked_id(block_id))
        else:
            path, wanted = self._place_from_query()
        if not self._served(path):
            raise web.HTTPError(404, f"No notebook at {path[:200]} that this server serves.")
        deadline = time.monotonic() + self.blocks.guard.timeout
        name = block_id or f"{path}#{int(wanted) + 1}"
        try:
            recipe, signature = await self.blocks.guard.work(
                self._prepare, name, path, wanted, given, deadline
            )
        except BlockNotFound as error:
            raise web.HTTPError(404, str(error)) from None
        except UseError as error:
            raise web.HTTPError(422, str(error)) from None
        # Trust first: a cached result of an untrusted notebook is its code's output too
        if not flags["allow_untrusted"] and not self.blocks._is_trusted(signature):
            raise web.HTTPError(403, str(_untrusted(path)))
        cache = RunCache(cache_folder(self.blocks.rules.root))
        key = recipe.key(kernel)
        if not flags["no_cache"]:
            cached = await self.blocks.guard.work(cache.get, key)
            if cached is not None:
                self.finish(cached)
                return
        run = key[:12]

        def progress(event: dict[str, Any]) -> None:
            self.blocks._emit({"action": "run-progress", "run": run, "block": name, **event})

        try:
            result = await run_recipe(recipe, kernels, kernel, float(timeout), progress)
        except UseError as error:
            raise web.HTTPError(422, str(error)) from None
        await self.blocks.guard.work(cache.put, key, result)
        self.finish(result)

    def _prepare(
        self, name: str, path: str, wanted: str | int, given: dict[str, Any], deadline: float
    ) -> tuple[Recipe, str | None]:
        """The recipe and the notebook's signature digest (a worker thread)."""
        os_path = self.blocks.rules.os_path(path)
        notebook = read_source_notebook(os_path, path, self.blocks.reader.max_size)
        position = notebook.position_of(wanted) if isinstance(wanted, str) else wanted
        if position is None or position >= len(notebook.cells):
            raise BlockNotFound(f"{name} is not in {path} any more.")
        limits = {"limit": self.blocks.max_recipe_cells, "deadline": deadline}
        recipe = prepare(name, notebook, position, given, **limits)
        signature = None
        if not is_text_name(path) and self.blocks.notary is not None:
            served = self.blocks.reader.served(os_path, [], self.blocks.notary)
            signature = served.signature if served is not None else None
        return recipe, signature


def _untrusted(path: str) -> Untrusted:
    return Untrusted(
        f"{path} is not trusted (Jupyter's notebook signatures): its code is not run. "
        "Trust it (open it in JupyterLab and trust it, or jupyter trust), or ask for the "
        'run with "allow_untrusted": true (jupyter blocks run --allow-untrusted).'
    )
