"""What one code cell defines and uses, found statically.

The cell's source goes through IPython's own input transformations first
(``TransformerManager.transform_cell``), so magics, ``!`` lines and ``x?`` parse, then
through Python's ``ast``. The model, for the cell's top level (run in notebook order):

- **Defines**: every name the cell binds: assignments (also tuple, starred, augmented,
  annotated with a value, walrus, anywhere outside a function), ``def``, ``class``,
  ``import x``, ``import x.y`` (binds ``x``), ``import x as y``, ``from m import x``,
  ``for`` and ``with ... as`` targets, ``except ... as``, ``match`` captures, ``del``,
  and names a function declares ``global`` and assigns (bound when it is called).
  Storing into an attribute or an item of a name (``df["y"] = ...``, ``obj.x = ...``,
  ``del d[k]``) changes the object that name holds: it counts as using and defining the
  name, so the cell stays in the recipe of whoever reads the name later. A change made
  by calling a method (``lst.append(1)``, ``df.drop(..., inplace=True)``) is not seen.
- **Uses**: names read before the cell binds them: loads, roots of attribute chains,
  decorators, default values and annotations (evaluated when ``def`` runs), class bodies,
  comprehensions (minus their own targets), ``$name`` and ``{expr}`` in ``!`` lines and
  line magics, and the code of ``%time``/``%timeit``/``%prun``/``%%capture`` cells.
- **Deferred uses**: names read inside function and lambda bodies that the cell never
  binds: needed when the function runs, not when it is defined.
- **Unknown definitions**: ``from m import *``, ``%run`` and ``%store -r`` bind names no
  one can list without running them; such a cell is kept in a recipe whenever a name it
  might define is needed (see closure.py).

A cell that does not parse even after IPython's transformations defines nothing known
and carries its error.
"""

from __future__ import annotations

import ast
import builtins
from dataclasses import dataclass
from functools import lru_cache
from typing import NamedTuple

from .scan import Scan

# Names every cell can read without another cell defining them: Python's builtins and
# what IPython puts in every namespace.
PROVIDED = frozenset(dir(builtins)) | {"display", "get_ipython", "exit", "quit"}
# Cheap textual signs that a cell may bind unknown names (checked before parsing).
UNKNOWN_MARKERS = ("import *", "import*", "%run", "%store")


@dataclass(frozen=True, slots=True)
class CellDeps:
    """What a cell binds and reads, in terms of names (see the module docstring)."""

    defines: frozenset[str] = frozenset()
    imports: frozenset[str] = frozenset()  # the subset of defines bound only by import
    uses: frozenset[str] = frozenset()
    deferred: frozenset[str] = frozenset()
    unknown: bool = False
    ipython: bool = False  # the source needed IPython's transformations (magics, !)
    code: str = ""  # the Python code that runs (the source after transformations)
    error: str | None = None  # why the cell does not parse


def analyze(source: str) -> CellDeps:
    """The dependencies of one cell's source (cached by source text)."""
    return _analyze(source)


def parse(source: str) -> tuple[ast.Module, str, bool]:
    """The cell as Python: its tree, its code, and whether IPython's transformations
    were needed. Raises SyntaxError when it does not parse even after them."""
    try:
        return ast.parse(source), source, False
    except SyntaxError as error:
        first = error
    # Valid Python never needs the transformations (magics and ! lines are not valid
    # Python), so only sources that fail pay for them.
    try:
        code = _transformer().transform_cell(source)
    except Exception:  # IPython's tokenizer gives up on some broken input
        raise first from None
    if code == source:
        raise first
    return ast.parse(code), code, True


@lru_cache(maxsize=1)
def _transformer():  # type: ignore[no-untyped-def]
    from IPython.core.inputtransformer2 import TransformerManager

    return TransformerManager()


@lru_cache(maxsize=4096)
def _analyze(source: str) -> CellDeps:
    try:
        tree, code, ipython = parse(source)
        scan = Scan()
        scan.visit(tree)
    except (SyntaxError, ValueError) as error:  # ValueError: a NUL byte in the source
        return CellDeps(code=source, error=_syntax_message(error))
    except (RecursionError, MemoryError):
        return CellDeps(code=source, error="too deeply nested to analyze")
    deferred = scan.deferred - scan.defines
    return CellDeps(
        defines=frozenset(scan.defines),
        imports=frozenset(scan.imports - scan.rebound),
        uses=frozenset(scan.uses),
        deferred=frozenset(deferred),
        unknown=scan.unknown,
        ipython=ipython,
        code=code,
    )


class Binds(NamedTuple):
    """What a cell defines, without what it reads (``CellDeps`` fields of that name)."""

    defines: frozenset[str]
    unknown: bool
    error: str | None


@lru_cache(maxsize=16384)
def binds(source: str) -> Binds:
    """The names a cell defines, found by visiting its statements only: what the search
    for a name's definer needs to know of the many cells it passes (cached)."""
    if ":=" not in source:  # a walrus binds from inside an expression: see all of it
        try:
            tree = ast.parse(source)
        except (SyntaxError, ValueError, RecursionError, MemoryError):
            tree = None  # IPython syntax, or an error: the full analysis knows
        if tree is not None:
            scan = Scan(defines_only=True)
            try:
                scan.visit(tree)
            except RecursionError:
                pass
            else:
                return Binds(frozenset(scan.defines), scan.unknown, None)
    deps = analyze(source)
    return Binds(deps.defines, deps.unknown, deps.error)


def _syntax_message(error: Exception) -> str:
    if isinstance(error, SyntaxError):
        return f"{error.msg} (line {error.lineno})"
    return str(error)
