"""``jupyter_blocks.use`` in a real IPython kernel: what runs, what it returns, what it
shows, and errors that say what to do."""

from __future__ import annotations

import base64
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from kernels import Kernel, kernel_env, local_kernel, write_notebook

SALES = "analysis/sales.ipynb"


@pytest.fixture(scope="module")
def root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("root")
    write_notebook(
        root / SALES,
        [
            ("markdown", "# Sales\n\nThe numbers, and what we make of them.", "intro"),
            ("code", 'print("loading")\nsales = [3, 1, 2]', "load"),
            ("code", 'scale = 10\nunit = "kg"', "settings"),
            ("code", 'raise RuntimeError("this unrelated cell must not run")', "boom"),
            ("code", 'total = sum(sales) * scale\nprint("total is", total)\ntotal', "total"),
            ("code", "weights = [1, 1, 1]\nsales = sales + [10]", "both"),
            (
                "code",
                "weighted = sum(s * w for s, w in zip(sales, weights))\nweighted;",
                "weighted",
            ),
            ("code", "result = undefined_thing + 1\nresult", "needs-missing"),
            ("code", "def broken():\n    return 1 / 0\n\n\nvalue = broken()", "fails"),
            ("code", "derived = value + 1", "after-fail"),
        ],
    )
    write_notebook(
        root / "tools/magics.ipynb",
        [
            ("code", '%matplotlib inline\nimport os\nname = "blocks"', "setup"),
            ("code", "listing = !echo hello $name\n!echo shell says {name.upper()}", "shell"),
            ("code", "%time doubled = len(listing) * 2", "timed"),
            ("code", "print(listing)\ndoubled", "show"),
        ],
    )
    write_notebook(
        root / "old/legacy.ipynb",
        [
            ("markdown", "An nbformat 4.4 notebook: no cell ids", None),
            ("code", "base = 7", None),
            ("code", "answer = base * 6\nanswer", None),
        ],
        minor=4,
    )
    write_notebook(root / "stats.ipynb", [("code", "x <- c(1, 2, 3)\nmean(x)", "r-mean")], "R")
    write_notebook(
        root / "plots/chart.ipynb",
        [
            ("code", "import matplotlib.pyplot as plt\npoints = [1, 4, 9, 16]", "chart-data"),
            (
                "code",
                "fig, ax = plt.subplots(figsize=(2, 2), dpi=50)\nax.plot(points)\nplt.show()",
                "chart",
            ),
        ],
    )
    return root


@pytest.fixture(scope="module")
def kernel(root: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Kernel]:
    data = tmp_path_factory.mktemp("jupyter-data")
    with local_kernel(root, kernel_env(data)) as kernel:
        kernel.ok(f"from jupyter_blocks import use\nROOT = {str(root)!r}")
        yield kernel


def test_only_the_cells_the_block_depends_on_run(kernel):
    # When a block is used, with an unrelated cell that raises in its notebook
    reply = kernel.ok('r = use("total", root=ROOT)\nr.value, [c.number for c in r.cells]')
    # Then only the cells it depends on ran (load, settings, the target), in order
    assert reply.text == "(60, [2, 3, 5])"
    assert kernel.value("r['total'], r.total, r['scale'], r.unit") == (60, 60, 10, "kg")
    assert kernel.value("[(c.path, c.number, c.index, c.id) for c in r.cells]") == [
        (SALES, 2, 1, "load"),
        (SALES, 3, 2, "settings"),
        (SALES, 5, 4, "total"),
    ]


def test_an_override_skips_the_cell_that_only_defines_it(kernel):
    # When the name a cell above defines is given
    kernel.ok('r = use("total", root=ROOT, sales=[5])')
    # Then that cell did not run, the override was used, and the result says so
    assert kernel.value("r.value, [c.id for c in r.cells], [c.id for c in r.skipped]") == (
        50,
        ["settings", "total"],
        ["load"],
    )
    assert "cell 2 skipped (sales given)" in kernel.value("r.provenance")
    assert kernel.value("r.overrides == {'sales': [5]}") is True


def test_a_cell_that_defines_an_override_and_more_runs_and_the_override_wins(kernel):
    # Given "both" defines weights (needed) and rebinds sales (overridden)
    plain = kernel.value('use("weighted", root=ROOT)["weighted"]')
    # When sales is overridden
    kernel.ok('r = use("weighted", root=ROOT, sales=[1, 2])')
    # Then "both" still ran (for weights), and the override is what "weighted" saw
    assert kernel.value("[c.id for c in r.cells]") == ["both", "weighted"]
    assert kernel.value("r['weighted'], r['sales'], r['weights']") == (3, [1, 2], [1, 1, 1])
    assert plain == 6  # without it: [3, 1, 2, 10] against three weights


def test_the_value_is_the_last_expression_as_out_holds_it(kernel):
    assert kernel.value('use("total", root=ROOT).value') == 60
    # A trailing semicolon silences the value, as in IPython
    assert kernel.value('use("weighted", root=ROOT).value is None') is True


def test_cells_run_in_a_fresh_namespace(kernel):
    # Given the caller has its own sales, scale and no total
    kernel.ok('sales = "the caller\'s"\nscale = -1')
    # When the block runs
    assert kernel.value('use("total", root=ROOT).value') == 60
    # Then the cells never saw the caller's names, and left nothing in its globals
    assert kernel.value("sales, scale, 'total' in globals(), 'unit' in globals()") == (
        "the caller's",
        -1,
        False,
        False,
    )


def test_source_shows_the_code_that_ran(kernel):
    source = kernel.value('use("total", root=ROOT, sales=[5]).source')
    assert source.splitlines()[0].startswith("# use('total', sales=...)")
    assert f"# %% {SALES} cell 3 (settings)\nscale = 10" in source
    assert f"# %% {SALES} cell 5 (total), the target\ntotal = sum(sales) * scale" in source
    assert "sales = [3, 1, 2]" not in source  # the skipped cell did not run
    assert "raise RuntimeError" not in source


def test_displaying_the_result_shows_provenance_then_the_targets_output(kernel):
    reply = kernel.ok('use("total", root=ROOT, sales=[5])')
    provenance = reply.displays[0]["text/plain"]
    assert provenance.startswith(f"use('total'): {SALES}, ran cells 3, 5 with sales=list(1)")
    # The target's own print, not the upstream "loading", then its value
    assert reply.streams == {"stdout": "total is 50\n"}
    assert [d["text/plain"] for d in reply.displays[1:]] == ["50"]


def test_magics_and_shell_lines_run_in_the_fresh_namespace(kernel):
    reply = kernel.ok('r = use("show", root=ROOT)\nr.value, r["listing"]')
    assert reply.text == "(2, ['hello blocks'])"
    # %time bound doubled in the fresh namespace, and the shell lines saw name
    assert kernel.value("'doubled' in globals(), 'listing' in globals(), 'name' in globals()") == (
        False,
        False,
        False,
    )
    # The upstream shell output is not shown; the target's print is
    shown = kernel.ok('use("show", root=ROOT)')
    assert shown.streams.get("stdout") == "['hello blocks']\n"


def test_id_less_cells_are_referenced_by_path_and_number(kernel):
    assert kernel.value('use("old/legacy.ipynb#3", root=ROOT).value') == 42
    assert kernel.value('[c.id for c in use("old/legacy.ipynb#3", root=ROOT).cells]') == [
        None,
        None,
    ]
    reply = kernel.run('use("old/legacy.ipynb#9", root=ROOT)')
    assert reply.error["ename"] == "BlockNotFound"
    assert "old/legacy.ipynb has 3 cells: there is no cell 9" in reply.error["evalue"]


def test_a_plot_is_drawn_again_with_new_data(kernel):
    first = kernel.ok('use("chart", root=ROOT)').displays
    again = kernel.ok('use("chart", root=ROOT)').displays
    other = kernel.ok('use("chart", root=ROOT, points=[16, 9, 4, 1])').displays
    assert "image/png" in first[1] and len(first) == 2
    png = [base64.b64decode(d[1]["image/png"]) for d in (first, again, other)]
    assert png[0] == png[1]
    assert png[0] != png[2]
    # No figure was left open for the caller's cell to show again
    assert kernel.value("__import__('matplotlib.pyplot').pyplot.get_fignums()") == []


@pytest.mark.parametrize(
    ("code", "ename", "words"),
    [
        (
            'use("totl", root=ROOT)',
            "BlockNotFound",
            ["No block has the id totl", "Closest: 'total' (analysis/sales.ipynb cell 5)"],
        ),
        ('use("intro", root=ROOT)', "NotCodeBlock", ["intro", "is a markdown cell"]),
        (
            'use("needs-missing", root=ROOT)',
            "MissingInput",
            ["needs undefined_thing (read by analysis/sales.ipynb cell 8", "undefined_thing=..."],
        ),
        (
            'use("total", root=ROOT, sale=[1])',
            "UnknownOverride",
            ["sale (did you mean sales?)", "It may override: sales, scale"],
        ),
        ('use("r-mean", root=ROOT)', "NotPython", ["r-mean (stats.ipynb cell 1)", "R notebook"]),
        ('use("no such thing", root=ROOT)', "UseError", ["is not a block reference"]),
        ('use("total")', "IndexUnavailable", ["root='path/to/folder'"]),
    ],
)
def test_errors_say_what_to_do(kernel, code, ename, words):
    reply = kernel.run(code)
    assert reply.status == "error"
    assert reply.error["ename"] == ename
    for word in words:
        assert word in reply.error["evalue"]


def test_a_missing_name_can_be_given(kernel):
    assert kernel.value('use("needs-missing", root=ROOT, undefined_thing=41).value') == 42


def test_an_upstream_cell_that_raises_is_named_in_the_traceback(kernel):
    reply = kernel.run('use("after-fail", root=ROOT)')
    assert reply.error["ename"] == "CellFailed"
    assert reply.error["evalue"].startswith(
        f"{SALES} cell 9 (fails) raised ZeroDivisionError: division by zero"
    )
    # The cell's own frames, with their source lines, under the notebook and cell
    traceback = reply.error["traceback"]
    assert f"<{SALES} cell 9>" in traceback
    assert "return 1 / 0" in traceback
    # Nothing of the failed run is left in the caller's namespace
    assert kernel.value("'broken' in globals()") is False


def test_importing_use_does_not_import_the_server():
    code = "import sys\nfrom jupyter_blocks import use\nprint('jupyter_server' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
