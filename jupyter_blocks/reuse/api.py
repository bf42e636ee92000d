"""``use()``: run a code block of another notebook in this kernel, with its recipe."""

from __future__ import annotations

import difflib
import sys
from collections.abc import Mapping
from typing import Any

from .closure import Cell, Plan, plan
from .errors import (
    CellFailed,
    MissingInput,
    NotCodeBlock,
    NotPython,
    UnknownOverride,
    UseError,
)
from .lookup import find, parse_ref
from .result import CellRun, Result
from .runner import run


def use(
    ref: str,
    inputs: Mapping[str, Any] | None = None,
    /,
    *,
    root: str | None = None,
    **overrides: Any,
) -> Result:
    """Run the code block ``ref`` with the cells of its notebook it depends on, in a
    fresh namespace, and return a Result (its ``value``, the names the cells defined,
    the ``cells`` that ran and their ``source``).

    ``ref`` is a block id (``"sales-plot"`` or ``"((sales-plot))"``), or a cell without
    an id as ``"path/to/notebook.ipynb#3"`` (its number counted from 1; the path is
    relative to the server root, or to ``root``).

    Keyword arguments override names: their values are bound first; a cell above the
    target that only defines overridden names is skipped; one that defines an
    overridden name and others still runs, and the override is bound again after it.
    ``inputs`` gives overrides as a mapping, for names that are not identifiers or
    that collide with ``root``.

    The block is read from its notebook file as saved. In a kernel started by a Jupyter
    server with jupyter-blocks, the block is found through that server; elsewhere, pass
    ``root``, the folder holding the notebooks (its index is read and refreshed).

    Raises (all ``jupyter_blocks.reuse.UseError``): BlockNotFound (with the closest
    ids), NotCodeBlock, NotPython, MissingInput (a name the cells read that nothing
    defines), UnknownOverride (a keyword no cell reads), CellFailed (a cell raised: its
    traceback, in ``__cause__``, names the notebook and the cell), IndexUnavailable.
    """
    __tracebackhide__ = True
    try:
        return _use(ref, {**(inputs or {}), **overrides}, root)
    except UseError as error:
        # Our own frames say nothing to the user: the traceback starts here (a failing
        # cell's own traceback stays in __cause__).
        raise error.with_traceback(None)  # noqa: B904 - the error itself, re-raised


def _use(ref: str, given: dict[str, Any], root: str | None) -> Result:
    parsed = parse_ref(ref)
    recipe = find(parsed, root).recipe
    name, path = parsed.name, recipe["path"]
    where = f"{path} cell {recipe['index'] + 1}"
    if recipe.get("cell_type") != "code":
        raise NotCodeBlock(
            f"{name} ({where}) is a {recipe.get('cell_type')} cell: only a code cell can "
            "be run. Embed it instead: {{embed ((" + name + "))}}."
        )
    if not recipe.get("python"):
        raise NotPython(
            f"{name} ({where}) is in a {recipe.get('language') or 'non-Python'} notebook: "
            "use() runs Python cells only."
        )
    cells = [Cell(c["index"], c["id"], c["source"]) for c in recipe["cells"]]
    whole = plan(cells)
    _check_overrides(name, whole, given)
    chosen = plan(cells, given.keys()) if given else whole
    _check_runnable(name, path, chosen)
    shell = _shell()
    outcome = run(name, path, chosen.steps, chosen.deps, given, shell)
    return Result(
        ref=name,
        path=path,
        value=outcome.value,
        namespace=outcome.namespace,
        cells=[_cell_run(path, c) for c in chosen.steps],
        overrides=given,
        skipped=_skipped(path, chosen),
        outputs=outcome.outputs,
        source=_source(name, path, chosen, given),
        saved=recipe.get("last_modified"),
    )


def _shell() -> Any:
    """The IPython running this code, if any (IPython is never imported here)."""
    if "IPython" not in sys.modules:
        return None
    from IPython import get_ipython

    return get_ipython()


def _check_overrides(name: str, whole: Plan, given: Mapping[str, Any]) -> None:
    """Every keyword must name something a recipe cell reads (else it is a typo)."""
    read: set[str] = set(whole.missing)
    for deps in whole.deps.values():
        read |= deps.uses | deps.deferred
    unknown = [k for k in given if k not in read]
    if not unknown:
        return
    choices = whole.inputs + [n for n in whole.missing if n not in whole.inputs]
    hints = []
    for key in unknown:
        close = _closest_name(key, read)
        hints.append(f"{key} (did you mean {close}?)" if close else key)
    may = ", ".join(choices) if choices else "nothing: it takes no name from cells above"
    raise UnknownOverride(
        f"use({name!r}) got {', '.join(hints)}, which no cell it runs reads. "
        f"It may override: {may}."
    )


def _closest_name(key: str, names: set[str]) -> str | None:
    """The name most like ``key`` (a typo's likely intent): by similarity, then by
    sharing its beginning."""

    def score(name: str) -> tuple[float, bool, str]:
        ratio = difflib.SequenceMatcher(None, key, name).ratio()
        return ratio, name.startswith(key) or key.startswith(name), name

    best = max(names, key=score, default=None)
    return best if best is not None and score(best)[0] >= 0.6 else None


def _check_runnable(name: str, path: str, chosen: Plan) -> None:
    for step in chosen.steps:
        error = chosen.deps[step.index].error
        if error is not None:
            raise CellFailed(f"{path} cell {step.number} ({name}) does not parse: {error}.")
    if not chosen.missing:
        return
    problems = []
    for missing, cell in sorted(chosen.missing.items(), key=lambda item: item[1].index):
        problem = f"{missing} (read by {path} cell {cell.number}"
        problem += f", {cell.id})" if cell.id else ")"
        unparsed = chosen.unparsed.get(missing)
        if unparsed:
            numbers = ", ".join(str(c.number) for c in unparsed)
            problem += f"; cell {numbers} mentions it but does not parse"
        problems.append(problem)
    names = list(chosen.missing)
    example = ", ".join(f"{n}=..." for n in names)
    raise MissingInput(
        f"use({name!r}) needs {'; '.join(problems)}, but no cell above defines it and no "
        f"override gives it. Pass it: use({name!r}, {example}).",
        name=names[0],
    )


def _skipped(path: str, chosen: Plan) -> list[tuple[CellRun, list[str]]]:
    """Each cell left out because overrides replace what it defines, with those names."""
    found: dict[int, tuple[Cell, list[str]]] = {}
    for name, cells in chosen.skipped.items():
        for cell in cells:
            found.setdefault(cell.index, (cell, []))[1].append(name)
    return [(_cell_run(path, found[i][0]), found[i][1]) for i in sorted(found)]


def _cell_run(path: str, cell: Cell) -> CellRun:
    return CellRun(path=path, number=cell.number, index=cell.index, id=cell.id)


def _source(name: str, path: str, chosen: Plan, given: Mapping[str, Any]) -> str:
    """The code that ran, as a percent-format script (each cell under ``# %%``)."""
    call = ", ".join([repr(name), *(f"{k}=..." for k in given)])
    parts = [f"# use({call}): the cells that ran, in order"]
    if given:
        parts[0] += f"; {', '.join(given)} bound first, and again after each cell above"
    for step in chosen.steps:
        label = f"{path} cell {step.number}" + (f" ({step.id})" if step.id else "")
        if step is chosen.target:
            label += ", the target"
        parts.append(f"# %% {label}\n{step.source.rstrip()}")
    return "\n\n".join(parts) + "\n"
