"""Which cells a recipe holds: the names each cell defines and reads (the model in
jupyter_blocks/reuse/deps.py), and the upstream closure (closure.py)."""

from __future__ import annotations

import json

import pytest
from helpers import PDSH, needs_shared

from jupyter_blocks.reuse.closure import Cell, plan
from jupyter_blocks.reuse.deps import analyze, binds

# (source, defines, uses, deferred uses)
CASES = [
    ("x = x + 1", {"x"}, {"x"}, set()),
    ("a, (b, *c) = f(d)", {"a", "b", "c"}, {"f", "d"}, set()),
    ("import os.path\nimport numpy as np\nfrom m import k as kk", {"os", "np", "kk"}, set(), set()),
    ("n += 1", {"n"}, {"n"}, set()),
    ("y: int = z", {"y"}, {"int", "z"}, set()),
    ("if (m := f(x)) > 0:\n    pass", {"m"}, {"f", "x"}, set()),
    ("[t for t in s if (u := t)]", {"u"}, {"s"}, set()),
    ("[i * k for i in range(n)]", set(), {"k", "range", "n"}, set()),
    ("{k: v for k, v in d.items()}", set(), {"d"}, set()),
    (
        "for i, (a, b) in enumerate(pairs):\n    tot = a + b",
        {"i", "a", "b", "tot"},
        {"enumerate", "pairs"},
        set(),
    ),
    ("with open(p) as fh:\n    txt = fh.read()", {"fh", "txt"}, {"open", "p"}, set()),
    ("try:\n    pass\nexcept E as e:\n    msg = str(e)", {"e", "msg"}, {"E", "str"}, set()),
    # A function: decorators, defaults and annotations run now, its body later
    (
        "@deco\ndef f(p=q, *, r: T = s) -> R:\n    return helper(z) + p\n\n"
        "def helper(z):\n    return z",
        {"f", "helper"},
        {"deco", "q", "T", "s", "R"},
        {"z"},
    ),
    ("def g():\n    global G\n    G = 1", {"g", "G"}, set(), set()),
    ("f = lambda a, b=dflt: a + b + free", {"f"}, {"dflt"}, {"free"}),
    # A class body runs now; its methods later, without seeing the class's names
    (
        "class C(Base):\n    y = 1\n    z = y + w\n    def m(self):\n        return y",
        {"C"},
        {"Base", "w"},
        {"y"},
    ),
    # Changing an object through a name counts as using and defining that name
    ("df['y'] = df.x * 2\nobj.attr = 3", {"df", "obj"}, {"df", "obj"}, set()),
    ("del d[k]\ndel gone", {"d", "gone"}, {"d", "k", "gone"}, set()),
    (
        "match cmd:\n    case Point(x=px):\n        r = px\n"
        "    case [first, *rest]:\n        r = first",
        {"px", "r", "first", "rest"},
        {"cmd", "Point"},
        set(),
    ),
    # IPython syntax, through IPython's own transformations
    (
        "%matplotlib inline\nfiles = !ls $folder\n!echo {n + 1}",
        {"files"},
        {"get_ipython", "folder", "n"},
        set(),
    ),
    ("%time res = compute(data)", {"res"}, {"get_ipython", "compute", "data"}, set()),
    ("%%capture out\nprint(q)\nrr = 2", {"out", "rr"}, {"get_ipython", "print", "q"}, set()),
    ("%%timeit -n 10\nslow(data)", set(), {"get_ipython", "slow", "data"}, set()),
    ("  x = 1\n  y = x", {"x", "y"}, set(), set()),  # uniform indentation, as IPython allows
]


@pytest.mark.parametrize(("source", "defines", "uses", "deferred"), CASES)
def test_what_a_cell_defines_and_reads(source, defines, uses, deferred):
    deps = analyze(source)
    assert deps.error is None
    assert (set(deps.defines), set(deps.uses), set(deps.deferred)) == (defines, uses, deferred)


def test_star_imports_and_run_define_unknown_names():
    assert analyze("from pylab import *").unknown
    assert analyze("%run helpers.py").unknown
    assert not analyze("import pylab").unknown


def test_a_cell_that_does_not_parse_carries_its_error():
    deps = analyze("health_data.loc[(:, 1), (:, 'HR')]")
    assert deps.error is not None and "line 1" in deps.error
    assert deps.defines == frozenset()


def cells(*sources: str) -> list[Cell]:
    return [Cell(i, f"c{i}", s) for i, s in enumerate(sources)]


def ran(*sources: str, overrides: tuple[str, ...] = ()) -> list[int]:
    return [c.index for c in plan(cells(*sources), overrides).steps]


def test_a_name_comes_from_the_last_cell_above_that_defines_it():
    assert ran("x = 1", "x = 2", "y = 5", "x") == [1, 3]


def test_a_cell_that_changes_an_object_stays_in_the_recipe():
    assert ran("df = {}", "df['a'] = 1", "other = 2", "df") == [0, 1, 3]


def test_a_function_body_finds_names_defined_anywhere_above_the_target():
    # f reads helper and rate, defined after f but before the target that calls it
    assert ran(
        "def f():\n    return helper() * rate",
        "def helper():\n    return 2",
        "rate = 3",
        "unrelated = 0",
        "f()",
    ) == [0, 1, 2, 4]


def test_a_star_import_may_define_what_nothing_else_does():
    recipe = plan(cells("from numpy import *", "x = 1", "arange(x)"))
    assert [c.index for c in recipe.steps] == [0, 1, 2]
    assert recipe.missing == {}


def test_a_star_import_between_definer_and_reader_joins():
    assert ran("pi = 3", "from math import *", "pi") == [0, 1, 2]


def test_overrides_skip_cells_that_only_define_them():
    recipe = plan(cells("data = load()", "scale = 2", "data * scale"), {"data"})
    assert [c.index for c in recipe.steps] == [1, 2]
    assert recipe.skipped == {"data": [cells("data = load()")[0]]}


def test_a_cell_defining_an_override_and_a_needed_name_runs():
    assert ran("data = [1]\nscale = 2", "data * scale", overrides=("data",)) == [0, 1]


def test_inputs_are_the_names_passed_between_cells_not_modules():
    recipe = plan(
        cells("import numpy as np\nsales = np.ones(3)", "rate = 2", "np.sum(sales) * rate")
    )
    assert recipe.inputs == ["sales", "rate"]


def test_missing_names_are_those_nothing_defines():
    recipe = plan(cells("a = 1", "a + b + len([])"))
    assert list(recipe.missing) == ["b"]
    assert recipe.missing["b"].index == 1


def test_an_unrelated_cell_that_does_not_parse_is_left_out():
    assert ran("x = 1", "this is not python", "x") == [0, 2]


@needs_shared
def test_every_cell_of_the_real_corpus_can_be_planned():
    # The upstream closure of every code cell of every pdsh notebook: no crash, the
    # target last, steps in notebook order.
    count = 0
    for path in sorted(PDSH.glob("*.ipynb")):
        nb = json.loads(path.read_text(encoding="utf-8"))
        code = [
            Cell(i, c.get("id"), "".join(c["source"]))
            for i, c in enumerate(nb["cells"])
            if c["cell_type"] == "code"
        ]
        for end in range(1, len(code) + 1):
            recipe = plan(code[:end])
            indexes = [c.index for c in recipe.steps]
            assert indexes == sorted(indexes) and indexes[-1] == code[end - 1].index
            count += 1
    assert count > 1000


@needs_shared
def test_the_quick_search_for_definers_agrees_with_the_full_analysis():
    # binds() visits statements only; it must find exactly what analyze() finds
    checked = 0
    for path in sorted(PDSH.glob("*.ipynb")):
        nb = json.loads(path.read_text(encoding="utf-8"))
        for cell in nb["cells"]:
            if cell["cell_type"] == "code":
                source = "".join(cell["source"])
                full, quick = analyze(source), binds(source)
                assert (quick.defines, quick.unknown) == (full.defines, full.unknown), source
                checked += 1
    for source, *_ in CASES:
        assert binds(source).defines == analyze(source).defines, source
    assert checked > 1000
