"""Issue 29's targets, each beside its baseline measured in the same run:

- T1: a cold index of text notebooks (py:percent, MyST markdown, R Markdown) against the
  same notebooks as ``.ipynb`` (as they are, and with their outputs stripped, which is
  what the text holds);
- T2: a cached headless run (``POST /api/blocks/run/<id>``) over loopback, against the
  cheapest request of the same server (``GET /api/blocks/version``);
- T3: a cold headless run (a fresh kernel, every cell of the recipe run) against
  papermill running the same cells in a fresh kernel of the same kernel spec, both
  through their Python API and through their command line.

    python -m bench.textnotebooks                  # the table behind BENCHMARKS.md
    python -m bench.textnotebooks --copies 1 --repeat 1 --rounds 20 --runs 2   # quick

The notebooks are pdsh's 67 (``../shared/corpus/pdsh``, or the folder
JUPYTER_BLOCKS_SHARED names), ``--copies`` times in folders of their own, every cell
given an id first (in the text, ``id=`` in the cell's metadata, as a reference needs).
Without that corpus, says so and measures nothing.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("JUPYTER_BLOCKS_SHARED", REPO.parent / "shared"))
PDSH = SHARED / "corpus" / "pdsh"
FORMATS = {"py:percent": ".py", "md:myst": ".md", "Rmd": ".Rmd"}
Row = tuple[str, str, str, str, str]


def _with_ids(nb: Any, stem: str) -> Any:
    for i, cell in enumerate(nb.cells):
        cell["id"] = cell.get("id") or f"{stem[:40]}-{i}"
        # jupytext keeps a cell's ``id`` only in its metadata (where jupyter-blocks reads it)
        cell.metadata["id"] = cell["id"]
    return nb


def build_roots(work: Path, copies: int) -> dict[str, Path]:
    """One root per shape: ``ipynb``, ``ipynb-no-outputs`` and each text format."""
    import jupytext
    import nbformat

    roots = {
        name: work / name.replace(":", "-") for name in ("ipynb", "ipynb-no-outputs", *FORMATS)
    }
    for root in roots.values():
        root.mkdir(parents=True)
    for source in sorted(PDSH.glob("*.ipynb")):
        nb = _with_ids(nbformat.read(source, as_version=4), source.stem.replace(".", "-"))
        stripped = nbformat.reads(nbformat.writes(nb), as_version=4)
        for cell in stripped.cells:
            if cell.cell_type == "code":
                cell.outputs, cell.execution_count = [], None
        for copy in range(copies):
            folder = f"copy{copy}"
            for root in roots.values():
                (root / folder).mkdir(exist_ok=True)
            nbformat.write(nb, roots["ipynb"] / folder / source.name)
            nbformat.write(stripped, roots["ipynb-no-outputs"] / folder / source.name)
            for fmt, suffix in FORMATS.items():
                target = roots[fmt] / folder / (source.stem + suffix)
                target.write_text(jupytext.writes(stripped, fmt=fmt), encoding="utf-8")
    return roots


def cold_index(root: Path, work: Path, repeat: int) -> tuple[float, int, int]:
    """Median seconds of a cold index of ``root`` (a new SQLite file, every notebook read,
    parsed and stored), with the notebook and block counts of the last run."""
    from jupyter_blocks.index.indexer import Indexer
    from jupyter_blocks.index.tree import TreeRules
    from jupyter_blocks.store import SQLiteStore

    times, counts = [], (0, 0)
    for _ in range(repeat):
        db = work / "index.sqlite"
        for suffix in ("", "-journal", "-wal", "-shm"):
            Path(str(db) + suffix).unlink(missing_ok=True)
        start = time.perf_counter()
        store = SQLiteStore(str(db), str(root))
        store.open()
        indexer = Indexer(store, TreeRules(str(root)), max_size=100 * 2**20)
        stale, _ = indexer.plan()
        indexer.index_all(stale)
        times.append(time.perf_counter() - start)
        counted = store.counts()
        counts = (counted.notebooks, counted.blocks)
        store.close()
    return statistics.median(times), *counts


def t1_rows(work: Path, copies: int, repeat: int) -> list[Row]:
    roots = build_roots(work / "t1", copies)
    base, notebooks, blocks = cold_index(roots["ipynb"], work, repeat)
    bare, _, _ = cold_index(roots["ipynb-no-outputs"], work, repeat)
    rows: list[Row] = []
    for fmt in FORMATS:
        took, n, b = cold_index(roots[fmt], work, repeat)
        # jupytext's writing may join a few cells (an empty cell in MyST): near is enough
        if n != notebooks or abs(b - blocks) > blocks / 100:
            raise RuntimeError(f"{fmt}: {n} notebooks, {b} blocks; .ipynb: {notebooks}, {blocks}")
        rows.append(
            (
                f"T1 cold index, {n} {fmt} notebooks ({b} blocks; .ipynb {blocks})",
                f"{took:.2f} s ({took / base:.2f} x, {took / bare:.2f} x without outputs)",
                f".ipynb {base:.2f} s, without outputs {bare:.2f} s",
                "<= 1.5 x",
                "met" if took <= 1.5 * base else "not met",
            )
        )
    return rows


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def _spread(seconds: list[float]) -> str:
    return f"p50 {percentile(seconds, 50) * 1e3:.1f} ms, p95 {percentile(seconds, 95) * 1e3:.1f} ms"


RECIPE = [
    ("Setting", "n = 200_000\nscale = 3"),
    ("Data", "import math\nvalues = [math.sin(i / 1000) * scale for i in range(n)]"),
    ("Summary", "total = sum(values)\nprint(f'{len(values)} values, total {total:.3f}')\ntotal"),
]


def run_notebook(root: Path) -> list[str]:
    """A notebook whose last block's recipe is three cells; returns the cells' ids."""
    import nbformat
    from nbformat.v4 import new_code_cell, new_notebook

    cells = [new_code_cell(source, id=f"run-{name.lower()}") for name, source in RECIPE]
    nb = new_notebook(
        cells=cells,
        metadata={
            "kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}
        },
    )
    nbformat.write(nb, root / "runs.ipynb")
    return [cell.id for cell in cells]


def t2_t3_rows(work: Path, rounds: int, runs: int) -> list[Row]:
    from nbformat.sign import NotebookNotary

    from .server import jupyter_server

    root, home = work / "t2", work / "home"
    root.mkdir()
    ids = run_notebook(root)
    env_home = {"JUPYTER_DATA_DIR": str(home / "data"), "JUPYTER_RUNTIME_DIR": str(home / "rt")}
    os.environ.update(env_home)  # the notary and the CLI use the server's data folder
    import nbformat

    NotebookNotary().sign(nbformat.read(root / "runs.ipynb", as_version=4))
    rows: list[Row] = []
    with jupyter_server(root, home) as server:
        path = f"/api/blocks/run/{ids[-1]}"
        first = server.request("POST", path, {})[1]
        if first.get("status") != "ok":
            raise RuntimeError(f"the run did not succeed: {first}")
        cached, version = [], []
        for _ in range(rounds):
            t, answer = server.request("POST", path, {})
            if not answer.get("cached"):
                raise RuntimeError("a repeated run was not answered from the cache")
            cached.append(t)
            version.append(server.request("GET", "/api/blocks/version")[0])
        rows.append(
            (
                f"T2 cached run over HTTP ({rounds} requests)",
                _spread(cached),
                f"GET version {_spread(version)}",
                "p95 <= 20 ms",
                "met" if percentile(cached, 95) <= 0.020 else "not met",
            )
        )
        ours = [server.request("POST", path, {"no_cache": True})[0] for _ in range(runs)]
    theirs = [_papermill_api(root, work) for _ in range(runs)]
    ours_cli = [_blocks_cli(root, ids[-1]) for _ in range(runs)]
    theirs_cli = [_papermill_cli(root, work) for _ in range(runs)]
    for label, mine, base in (
        ("through the server vs papermill's Python API", ours, theirs),
        ("jupyter blocks run vs the papermill command", ours_cli, theirs_cli),
    ):
        over = statistics.median(mine) - statistics.median(base)
        rows.append(
            (
                f"T3 cold run ({len(RECIPE)} cells, fresh kernel), {label}",
                f"{statistics.median(mine):.2f} s ({over:+.2f} s)",
                f"papermill {statistics.median(base):.2f} s",
                "<= +0.5 s",
                "met" if over <= 0.5 else "not met",
            )
        )
    return rows


def _recipe_notebook(work: Path) -> Path:
    """The recipe's cells alone, as papermill would be given them."""
    import nbformat
    from nbformat.v4 import new_code_cell, new_notebook

    path = work / "recipe.ipynb"
    nb = new_notebook(cells=[new_code_cell(source) for _, source in RECIPE])
    nb.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3",
        "language": "python",
    }
    nbformat.write(nb, path)
    return path


def _papermill_api(root: Path, work: Path) -> float:
    import papermill

    source = _recipe_notebook(work)
    start = time.perf_counter()
    papermill.execute_notebook(
        str(source),
        str(work / "out.ipynb"),
        progress_bar=False,
        log_output=False,
        kernel_name="python3",
    )
    return time.perf_counter() - start


def _papermill_cli(root: Path, work: Path) -> float:
    source = _recipe_notebook(work)
    start = time.perf_counter()
    subprocess.run(
        [
            sys.executable,
            "-m",
            "papermill",
            "--no-progress-bar",
            "-k",
            "python3",
            str(source),
            str(work / "out.ipynb"),
        ],
        check=True,
        capture_output=True,
    )
    return time.perf_counter() - start


def _blocks_cli(root: Path, block_id: str) -> float:
    """The CLI with a server of the root running asks it; this one runs with no server
    (its own kernel manager), as in CI."""
    env = {**os.environ, "JUPYTER_RUNTIME_DIR": str(root.parent / "no-server")}
    start = time.perf_counter()
    subprocess.run(
        [
            sys.executable,
            "-m",
            "jupyter_blocks.cli",
            "run",
            block_id,
            "--no-cache",
            f"--root={root}",
            "--json",
        ],
        check=True,
        capture_output=True,
        env=env,
    )
    return time.perf_counter() - start


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--copies", type=int, default=5, help="copies of pdsh (67 notebooks each)")
    parser.add_argument("--repeat", type=int, default=5, help="cold indexes per shape (median)")
    parser.add_argument("--rounds", type=int, default=200, help="cached runs (percentiles)")
    parser.add_argument("--runs", type=int, default=5, help="cold runs of each kind (median)")
    args = parser.parse_args(argv)
    try:
        import jupytext  # noqa: F401
        import papermill  # noqa: F401
    except ImportError as error:
        print(f"needs jupytext and papermill (pip install -e '.[test]'): {error}")
        return 0
    work = Path(tempfile.mkdtemp(prefix="jb-bench-text-"))
    try:
        rows: list[Row] = []
        if PDSH.is_dir():
            rows += t1_rows(work, args.copies, args.repeat)
        else:
            print(f"T1 skipped: no corpus at {PDSH} (set JUPYTER_BLOCKS_SHARED)")
        rows += t2_t3_rows(work, args.rounds, args.runs)
        header = ("measure", "jupyter-blocks", "baseline", "target", "")
        print("| " + " | ".join(header) + " |")
        print("|" + "---|" * len(header))
        for row in rows:
            print("| " + " | ".join(row) + " |")
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
