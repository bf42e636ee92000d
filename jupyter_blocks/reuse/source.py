"""A block's notebook as saved, read for its code, and the recipe's JSON shape (the same
for the REST API and the kernel)."""

from __future__ import annotations

import datetime
import os
from dataclasses import dataclass
from typing import Any

from ..notebooks.notebook import DEFAULT_MAX_SIZE
from .closure import MAX_CELLS, Cell, Plan, plan
from .deps import PROVIDED
from .errors import BlockNotFound, UseError

# What notebooks write as their language when it is Python; a notebook that says nothing
# is taken for Python (nbformat's and Jupyter's default kernel).
PYTHON_NAMES = frozenset({"", "python", "python2", "python3", "ipython", "ipython3"})


@dataclass
class SourceNotebook:
    """A notebook file as saved: its cells (nbformat 4, sources as strings)."""

    path: str  # relative to the root, "/"-separated
    cells: list[dict[str, Any]]
    language: str
    mtime: float | None = None

    @property
    def python(self) -> bool:
        return self.language.lower() in PYTHON_NAMES

    def position_of(self, block_id: str) -> int | None:
        """The position of the first cell with this id (as the index resolves it)."""
        for position, cell in enumerate(self.cells):
            if cell.get("id") == block_id:
                return position
        return None

    def code_cells_until(self, position: int) -> list[Cell]:
        """The code cells from the top down to ``position`` (included), as Cells."""
        return [
            Cell(index, _id(cell), _source(cell))
            for index, cell in enumerate(self.cells[: position + 1])
            if cell.get("cell_type") == "code"
        ]

    @property
    def saved(self) -> str | None:
        """When the file was saved, ISO 8601 in UTC."""
        if self.mtime is None:
            return None
        moment = datetime.datetime.fromtimestamp(self.mtime, tz=datetime.timezone.utc)
        return moment.isoformat(timespec="seconds")


def read_source_notebook(
    os_path: str, path: str, max_size: int = DEFAULT_MAX_SIZE
) -> SourceNotebook:
    """The notebook at ``os_path`` (shown to users as ``path``), or a UseError saying why
    it cannot be read: the project's one reader (``notebook.read_notebook``: only a
    regular file, opened without waiting, within ``max_size`` bytes; text notebooks and
    pairs too)."""
    from ..index.views import notebook_language
    from ..notebooks.notebook import Skip, read_notebook

    if not os.path.lexists(os_path):
        raise BlockNotFound(f"There is no notebook at {path}.")
    try:
        mtime = os.stat(os_path).st_mtime
        nb = read_notebook(os_path, max_size)
    except FileNotFoundError:
        raise BlockNotFound(f"There is no notebook at {path}.") from None
    except OSError as error:
        raise UseError(f"{path} cannot be read: {error.strerror or error}") from None
    except Skip as skip:
        raise UseError(f"{path} cannot be read as a notebook: {skip}") from None
    cells = nb.get("cells")
    return SourceNotebook(
        path=path,
        cells=[c for c in cells if isinstance(c, dict)] if isinstance(cells, list) else [],
        language=notebook_language(nb),
        mtime=mtime,
    )


def _source(cell: dict[str, Any]) -> str:
    source = cell.get("source", "")
    if isinstance(source, list):
        return "".join(s for s in source if isinstance(s, str))
    return source if isinstance(source, str) else ""


def _id(cell: dict[str, Any]) -> str | None:
    cell_id = cell.get("id")
    return cell_id if isinstance(cell_id, str) and cell_id else None


def recipe_json(
    notebook: SourceNotebook,
    position: int,
    limit: int = MAX_CELLS,
    deadline: float | None = None,
) -> dict[str, Any]:
    """The REST shape of the recipe of the cell at ``position`` (which must exist): the
    cells ``use()`` would run without overrides (none for a markdown or raw cell, only
    the target in a notebook that is not Python), the names they take from upstream
    (what may be overridden) and those nothing defines. RecipeTooLarge past ``limit``
    cells or ``deadline`` (``closure.plan``)."""
    cell = notebook.cells[position]
    cell_type = cell.get("cell_type")
    target = Cell(position, _id(cell), _source(cell))
    if cell_type != "code":
        return _shape(notebook, target, cell_type, [], [], [])
    if not notebook.python:
        only = {**_cell_json(target), "defines": [], "uses": []}
        return _shape(notebook, target, cell_type, [only], [], [])
    recipe = plan(notebook.code_cells_until(position), limit=limit, deadline=deadline)
    return _shape(
        notebook,
        target,
        cell_type,
        [_step_json(recipe, step) for step in recipe.steps],
        recipe.inputs,
        [{"name": n, "index": c.index} for n, c in sorted(recipe.missing.items())],
    )


def _shape(
    notebook: SourceNotebook,
    target: Cell,
    cell_type: Any,
    cells: list[dict[str, Any]],
    inputs: list[str],
    missing: list[dict[str, Any]],
) -> dict[str, Any]:
    return {
        "id": target.id,
        "path": notebook.path,
        "index": target.index,
        "cell_type": cell_type if isinstance(cell_type, str) else "unknown",
        "language": notebook.language,
        "python": notebook.python,
        "cells": cells,
        "inputs": inputs,
        "missing": missing,
        "last_modified": notebook.saved,
    }


def _cell_json(cell: Cell) -> dict[str, Any]:
    return {"id": cell.id, "index": cell.index, "source": cell.source}


def _step_json(recipe: Plan, step: Cell) -> dict[str, Any]:
    deps = recipe.deps[step.index]
    return {
        **_cell_json(step),
        "defines": sorted(deps.defines),
        "uses": sorted((deps.uses | deps.deferred) - PROVIDED),
    }
