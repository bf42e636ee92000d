"""The recipe of a code block: the cells of its notebook it depends on, in notebook order.

Rules (the README's "Reuse a block in your kernel" says the same to users):

- A name a cell reads (``deps.CellDeps.uses``) comes from the **last cell above it**
  that defines it. A name read inside a function body (``deferred``) comes from the
  last cell above the *target* that defines it, as the function runs when the target
  does. That cell joins the recipe, and so, in turn, do the cells it reads from.
- A cell that may define names no one can list (``from m import *``, ``%run``) and
  sits between that definer and the reader joins too, as it may rebind the name; so
  does any such cell above a reader whose name nothing defines.
- **Overrides** are never looked up: a cell joins only for names that are not
  overridden, so a cell that only defines overridden names is skipped. A cell that
  defines an overridden name and a needed one still runs; the runner binds the
  override again after it (the override wins).
- A name read at the top level of a recipe cell that nothing above defines, no
  override gives and Python or IPython do not provide is **missing**.

Looking for a name's definer visits only the cells whose text holds the name as a word
(or may bind unknown names), through an index of the words of every cell built once, and
only the statements of those (``deps.binds``); the recipe's own cells are analysed in
full. So planning grows with the cells and the names, never with their product (a cell
reading 10,000 names of 10,000 cells above it).

A recipe is bounded: past ``limit`` cells, or past ``deadline``, planning stops with
``RecipeTooLarge`` naming the limit.
"""

from __future__ import annotations

import bisect
import heapq
import re
import time
import unicodedata
from collections.abc import Collection, Iterator, Sequence
from dataclasses import dataclass, field

from .deps import PROVIDED, UNKNOWN_MARKERS, CellDeps, analyze, binds
from .errors import RecipeTooLarge

MAX_CELLS = 2000  # cells in one recipe (c.BlocksExtension.max_recipe_cells)
LIMIT_SETTING = "c.BlocksExtension.max_recipe_cells"
_WORD = re.compile(r"\w+")


@dataclass(frozen=True, slots=True)
class Cell:
    """A code cell as read from its notebook file."""

    index: int  # 0-based position among all the notebook's cells
    id: str | None
    source: str

    @property
    def number(self) -> int:
        """The 1-based position people count ("cell 3")."""
        return self.index + 1


@dataclass
class Plan:
    """What ``use()`` runs: ``steps`` in notebook order, the target last."""

    steps: list[Cell]
    deps: dict[int, CellDeps]  # by Cell.index, for every step
    inputs: list[str]  # names recipe cells take from cells above (overridable), not imports
    takes: set[str]  # every name recipe cells read from above or from overrides
    missing: dict[str, Cell]  # name -> the first recipe cell that reads it
    unparsed: dict[str, list[Cell]] = field(default_factory=dict)  # name -> cells that
    # mention it but do not parse (so may define it)
    skipped: dict[str, list[Cell]] = field(default_factory=dict)  # override -> cells it
    # made unnecessary

    @property
    def target(self) -> Cell:
        return self.steps[-1]


def plan(
    cells: Sequence[Cell],
    overrides: Collection[str] = (),
    limit: int = MAX_CELLS,
    deadline: float | None = None,
) -> Plan:
    """The recipe of ``cells[-1]`` among ``cells`` (the notebook's code cells up to and
    including the target, in order; any subset that holds the recipe gives the same).

    Raises RecipeTooLarge when the recipe needs more than ``limit`` cells, or when
    planning is still going at ``deadline`` (a ``time.monotonic()`` value)."""
    if not cells:
        raise ValueError("plan() needs at least the target cell")
    finder = _Finder(cells, deadline)
    target = len(cells) - 1
    included = {target}
    stack = [target]
    takes: set[str] = set()
    provided_by: dict[str, set[int]] = {}
    missing: dict[str, Cell] = {}
    skipped: dict[str, list[Cell]] = {}
    while stack:
        position = stack.pop()
        deps = finder.deps(position)
        wanted = [(name, position, True) for name in deps.uses]
        wanted += [(name, target + 1, False) for name in deps.deferred]
        for name, before, at_top in wanted:
            if name in overrides:
                takes.add(name)
                skipped.setdefault(name, [])
                for provider in finder.providers(name, before, exclude=position):
                    if cells[provider] not in skipped[name]:
                        skipped[name].append(cells[provider])
                continue
            providers = finder.providers(name, before, exclude=position)
            if not providers:
                if at_top and name not in PROVIDED:
                    previous = missing.get(name)
                    if previous is None or cells[position].index < previous.index:
                        missing[name] = cells[position]
                continue
            takes.add(name)
            provided_by.setdefault(name, set()).update(providers)
            for provider in providers:
                if provider not in included:
                    included.add(provider)
                    stack.append(provider)
        if len(included) > limit:
            raise RecipeTooLarge(
                f"The recipe of cell {cells[target].number} needs more than {limit} cells "
                f"(the limit, {LIMIT_SETTING}): it is not planned. Reuse a block nearer "
                "the data it reads, or raise the limit."
            )
        finder.check_time()
    order = sorted(included)
    steps = [cells[p] for p in order]
    for name, replaced in skipped.items():
        skipped[name] = [c for c in replaced if c not in steps]
    return Plan(
        steps=steps,
        deps={cells[p].index: finder.deps(p) for p in order},
        inputs=_inputs(provided_by, finder),
        takes=takes,
        missing=missing,
        unparsed={n: [cells[p] for p in ps] for n, ps in finder.unparsed.items() if n in missing},
        skipped={n: cs for n, cs in skipped.items() if cs},
    )


def _inputs(provided_by: dict[str, set[int]], finder: _Finder) -> list[str]:
    """Names passed from cell to cell, in the order their definers come; a name only
    ever bound by ``import`` is left out (nobody overrides ``np``)."""
    keyed = []
    for name, providers in provided_by.items():
        definers = [p for p in providers if name in finder.deps(p).defines]
        if not definers or all(name in finder.deps(p).imports for p in definers):
            continue
        keyed.append((max(definers), name))
    return [name for _, name in sorted(keyed)]


class _Finder:
    """Definers of names among the cells, parsing a cell only when its text holds the
    name as a word (or may bind unknown names)."""

    def __init__(self, cells: Sequence[Cell], deadline: float | None = None) -> None:
        self.cells = cells
        self.deadline = deadline
        self._deps: dict[int, CellDeps] = {}
        self._found: dict[tuple[str, int], list[int]] = {}
        self.unparsed: dict[str, list[int]] = {}
        self._words: dict[str, list[int]] | None = None  # word -> positions, ascending
        self._unknown: list[int] = []  # positions of cells that may bind unknown names

    def deps(self, position: int) -> CellDeps:
        found = self._deps.get(position)
        if found is None:
            found = self._deps[position] = analyze(self.cells[position].source)
        return found

    def providers(self, name: str, before: int, exclude: int) -> list[int]:
        """The last cell above ``before`` that defines ``name``, and every cell that may
        define unknown names below it (or, when nothing defines it, above ``before``)."""
        key = (name, before)
        cached = self._found.get(key)
        if cached is None:
            cached = self._found[key] = self._search(name, before)
        return [p for p in cached if p != exclude]

    def check_time(self) -> None:
        if self.deadline is not None and time.monotonic() > self.deadline:
            raise RecipeTooLarge(
                f"The recipe of cell {self.cells[-1].number} took too long to plan "
                f"({len(self.cells)} cells above it): it is not planned. Reuse a block "
                "nearer the data it reads."
            )

    def _search(self, name: str, before: int) -> list[int]:
        found: list[int] = []
        for position in self._candidates(name, min(before, len(self.cells))):
            source = self.cells[position].source
            bound = binds(source)
            if bound.error is not None and name in source:
                self.unparsed.setdefault(name, []).append(position)
            if name in bound.defines:
                found.append(position)
                break
            if bound.unknown:
                found.append(position)
        return found

    def _candidates(self, name: str, before: int) -> Iterator[int]:
        """The positions below ``before``, last first, of the cells that may bind
        ``name``: its word is in their text, or they may bind unknown names."""
        words = self._index()
        holding = words.get(name, [])
        mine = holding[: bisect.bisect_left(holding, before)]
        unknown = self._unknown[: bisect.bisect_left(self._unknown, before)]
        previous = None
        for count, position in enumerate(
            heapq.merge(reversed(mine), reversed(unknown), reverse=True)
        ):
            if position != previous:
                yield position
            previous = position
            if count % 256 == 255:
                self.check_time()

    def _index(self) -> dict[str, list[int]]:
        if self._words is None:
            words: dict[str, list[int]] = {}
            for position, cell in enumerate(self.cells):
                source = cell.source
                # Python reads identifiers in NFKC (a fullwidth x binds x).
                tokens = {
                    t if t.isascii() else unicodedata.normalize("NFKC", t)
                    for t in _WORD.findall(source)
                }
                for token in tokens:
                    words.setdefault(token, []).append(position)
                if any(marker in source for marker in UNKNOWN_MARKERS):
                    self._unknown.append(position)
                if position % 1024 == 1023:
                    self.check_time()
            self._words = words
        return self._words
