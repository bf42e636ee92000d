"""``GET /api/blocks/recipe/<id>`` and ``GET /api/blocks/recipe?path=&index=``: what
``use()`` would run for a code block, read from its notebook file as saved.

Authorized as a read of ``contents``, like ``block/<id>``. The answer is
``{"id", "path", "index", "cell_type", "language", "python", "cells": [{"id", "index",
"source", "defines", "uses"}], "inputs", "missing": [{"name", "index"}],
"last_modified"}`` (see source.recipe_json); a markdown or raw block has no cells.
"""

from __future__ import annotations

import time
from typing import Any

from jupyter_server.auth.decorator import authorized
from tornado import web

from ..notebooks.notebook import normalize_path
from ..notebooks.textnotebooks import is_notebook_name
from ..reuse.errors import RecipeTooLarge, UseError
from ..reuse.source import read_source_notebook, recipe_json
from .base import BlocksHandler


class PlaceHandler(BlocksHandler):
    """A handler of a block given by id, or of a cell given by notebook path and 0-based
    index (``?path=&index=``, for cells without an id)."""

    async def _place_of(self, block_id: str) -> tuple[str, str | int]:
        block = await self.blocks.block(block_id)
        if block is None:
            raise web.HTTPError(
                404,
                f"No block has the id {block_id}: no notebook under the server root holds "
                "a cell with it (yet).",
            )
        if block["deleted"]:
            raise web.HTTPError(
                404,
                f"The block {block_id} was deleted: its cell is gone from {block['path']} "
                f"(it was cell {block['index'] + 1}).",
            )
        return block["path"], block_id

    def _place_from_query(self) -> tuple[str, int]:
        try:
            path = normalize_path(self.notebook_path())
            index = int(self.get_query_argument("index", ""))
        except ValueError:
            raise web.HTTPError(
                400, "Give the cell as ?path=folder/name.ipynb&index=<0-based position>."
            ) from None
        if index < 0:
            raise web.HTTPError(400, "index counts cells from 0.")
        return path, index

    def _served(self, path: str) -> bool:
        """What every endpoint may read (``TreeRules.allows``): under the root, not
        hidden, not in a virtual environment, no symlink out."""
        try:
            return self.blocks.rules.allows(path)
        except ValueError:  # a NUL byte
            return False


class RecipeHandler(PlaceHandler):
    """The recipe of a block (``GET``)."""

    @web.authenticated
    @authorized
    async def get(self, block_id: str | None = None) -> None:
        if block_id is not None:
            path, wanted = await self._place_of(self.checked_id(block_id))
        else:
            path, wanted = self._place_from_query()
        if not is_notebook_name(path) or not self._served(path):
            raise web.HTTPError(404, f"No notebook at {path[:200]} that this server serves.")
        # Bounded: read and planned on the service's workers, stopping by themselves at
        # the request bound (a 503 past it); a recipe over the size limit is a 422.
        deadline = time.monotonic() + self.blocks.guard.timeout
        try:
            recipe = await self.blocks.guard.work(self._recipe, path, wanted, deadline)
        except RecipeTooLarge as error:
            raise web.HTTPError(422, str(error)) from None
        except UseError as error:
            raise web.HTTPError(404, str(error)) from None
        self.finish(recipe)

    def _recipe(self, path: str, wanted: str | int, deadline: float) -> dict[str, Any]:
        """Read the notebook as saved and plan (a worker thread: parsing is blocking)."""
        notebook = read_source_notebook(
            self.blocks.rules.os_path(path), path, self.blocks.reader.max_size
        )
        position = notebook.position_of(wanted) if isinstance(wanted, str) else wanted
        if position is None:
            raise UseError(f"The block {wanted} is not in {path} any more.")
        if position >= len(notebook.cells):
            raise UseError(f"{path} has {len(notebook.cells)} cells: none at index {position}.")
        return recipe_json(notebook, position, self.blocks.max_recipe_cells, deadline)
