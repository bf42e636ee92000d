"""P7: what ``jupyter_blocks.use()`` adds to running a block's recipe (finding the block,
reading its notebook, analysing the cells, planning, compiling, capturing output),
against running the same cells' code directly, on 200-cell notebooks.

    python -m bench.reuse                 # the P7 rows alone
    python -m bench.reuse --notebooks 2   # a quick run

The notebooks are pdsh's, concatenated in book order into notebooks of 200 cells (the
book's own mix of markdown and code, cell ids added), in a folder that also holds pdsh's
``data/``. Every code cell is a candidate target; the ones whose recipe does not run
here (a package that is not installed, a download) or takes more than a second are
left out. Each notebook is measured in its own process (an IPython shell, as in a
kernel, for the magics), with:

- direct: the recipe's cells, compiled beforehand, run with ``exec`` in a fresh
  namespace, output captured (the code's own run time);
- use, cold: ``use(target, root=...)`` with every analysis cache emptied first (the
  first use of a notebook in a kernel);
- use, warm: the same call again (later uses in the same kernel);
- use through the server: the same, in a process given the environment a kernel
  started by the server gets (the server plans, the kernel runs).

The overhead of a target is median(use) - median(direct) over ``--repeat`` runs.
"""

from __future__ import annotations

import argparse
import builtins
import contextlib
import io
import json
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
# The corpus beside the repository (or where JUPYTER_BLOCKS_SHARED says), as for `bench`.
SHARED = Path(os.environ.get("JUPYTER_BLOCKS_SHARED", REPO.parent / "shared"))
PDSH = SHARED / "corpus" / "pdsh"
CELLS = 200
SLOWEST = 1.0  # seconds: targets whose recipe runs longer are left out
Row = tuple[str, str, str, str, str]


def build_notebooks(dest: Path, cells: int = CELLS) -> list[str]:
    """pdsh in book order, cut into notebooks of ``cells`` cells; returns their paths."""
    dest.mkdir(parents=True, exist_ok=True)
    for extra in ("data", "figures"):
        if (PDSH / extra).is_dir():
            shutil.copytree(PDSH / extra, dest / extra, dirs_exist_ok=True)
    for helper in PDSH.glob("*.py"):
        shutil.copy(helper, dest / helper.name)
    pool: list[dict[str, Any]] = []
    for path in sorted(PDSH.glob("*.ipynb")):
        pool += json.loads(path.read_text(encoding="utf-8"))["cells"]
    names = []
    for number in range(len(pool) // cells):
        chunk = [dict(c) for c in pool[number * cells : (number + 1) * cells]]
        for index, cell in enumerate(chunk):
            cell["id"] = f"n{number:02d}-c{index:03d}"
            if cell["cell_type"] == "code":
                cell["outputs"], cell["execution_count"] = [], None
        nb = {
            "cells": chunk,
            "metadata": {
                "kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"},
                "language_info": {"name": "python"},
            },
            "nbformat": 4,
            "nbformat_minor": 5,
        }
        name = f"long-{number:02d}.ipynb"
        (dest / name).write_text(json.dumps(nb, indent=1))
        names.append(name)
    return names


# -- one notebook, in its own process ----------------------------------------------------
class _Timeout(Exception):
    pass


def _alarm(signum: int, frame: Any) -> None:
    raise _Timeout


def worker(root: Path, name: str, repeat: int, targets: int) -> None:
    """Print one JSON line per measured target of ``root/name``."""
    from IPython.core.interactiveshell import InteractiveShell

    from jupyter_blocks import use
    from jupyter_blocks.reuse import deps
    from jupyter_blocks.reuse.closure import Cell, plan

    shell = InteractiveShell.instance()
    os.chdir(root)
    via_server = bool(os.environ.get("JUPYTER_BLOCKS_URL"))
    nb = json.loads((root / name).read_text())
    code = [
        Cell(i, c["id"], "".join(c["source"]))
        for i, c in enumerate(nb["cells"])
        if c["cell_type"] == "code"
    ]
    step = max(1, len(code) // targets)
    signal.signal(signal.SIGALRM, _alarm)
    for end in range(len(code), 0, -step):
        target = code[end - 1]
        recipe = plan(code[:end])
        if recipe.missing or any(recipe.deps[c.index].error for c in recipe.steps):
            continue
        compiled = [
            (
                compile(recipe.deps[c.index].code, f"<{c.index}>", "exec"),
                recipe.deps[c.index].ipython,
            )
            for c in recipe.steps
        ]

        def direct(compiled: list[tuple[Any, bool]] = compiled) -> None:
            module = type(sys)("__main__")
            namespace = module.__dict__
            namespace.update(__builtins__=builtins, get_ipython=shell.get_ipython)
            with (
                contextlib.redirect_stdout(io.StringIO()),
                contextlib.redirect_stderr(io.StringIO()),
            ):
                for code_object, ipython in compiled:
                    saved = shell.user_module, shell.user_ns
                    if ipython:
                        shell.user_module, shell.user_ns = module, namespace
                    try:
                        exec(code_object, namespace)
                    finally:
                        shell.user_module, shell.user_ns = saved

        def through_use(target: Cell = target) -> None:
            if via_server:
                use(target.id)
            else:
                use(target.id, root=str(root))

        try:
            signal.setitimer(signal.ITIMER_REAL, SLOWEST * 3)
            start = time.perf_counter()
            direct()
            took = time.perf_counter() - start
            through_use()
            _close_figures()
        except (Exception, _Timeout):
            continue
        finally:
            signal.setitimer(signal.ITIMER_REAL, 0)
        if took > SLOWEST:
            continue
        times: dict[str, list[float]] = {"direct": [], "cold": [], "warm": [], "plan": []}
        for _ in range(repeat):
            times["direct"].append(_timed(direct))
            deps._analyze.cache_clear()
            deps.binds.cache_clear()
            times["cold"].append(_timed(through_use))
            times["warm"].append(_timed(through_use))
            deps._analyze.cache_clear()
            deps.binds.cache_clear()
            times["plan"].append(_timed(lambda end=end: plan(code[:end])))
        medians = {k: statistics.median(v) for k, v in times.items()}
        print(json.dumps({"target": target.id, "steps": len(recipe.steps), **medians}))
        sys.stdout.flush()


def _timed(fn: Any) -> float:
    start = time.perf_counter()
    fn()
    took = time.perf_counter() - start
    _close_figures()  # (Agg: use() leaves figures to the backend, as in a script)
    return took


def _close_figures() -> None:
    if "matplotlib.pyplot" in sys.modules:
        sys.modules["matplotlib.pyplot"].close("all")


def measure(
    root: Path, names: list[str], repeat: int, targets: int, env: dict[str, str]
) -> list[dict[str, Any]]:
    results = []
    for name in names:
        try:
            out = subprocess.run(
                [
                    sys.executable,
                    "-m",
                    "bench.reuse",
                    "--worker",
                    str(root),
                    name,
                    str(repeat),
                    str(targets),
                ],
                cwd=REPO,
                env=env,
                capture_output=True,
                text=True,
                timeout=900,
            )
        except subprocess.TimeoutExpired:
            continue
        results += [json.loads(line) for line in out.stdout.splitlines() if line.startswith("{")]
    return results


def p7_rows(work: Path, notebooks: int, repeat: int, targets: int, server: Any = None) -> list[Row]:
    """The P7 rows (a reason instead when ../shared is absent)."""
    if not PDSH.is_dir():
        return [("P7 use() overhead", f"skipped: {PDSH} is absent", "", "", "p95 <= 50 ms")]
    root = work / "reuse"
    names = build_notebooks(root)[:notebooks]
    env = {k: v for k, v in os.environ.items() if not k.startswith("JUPYTER_BLOCKS_")}
    env.update(
        JUPYTER_DATA_DIR=str(work / "reuse-data"),
        IPYTHONDIR=str(work / "ipython"),
        MPLBACKEND="Agg",
    )
    rows = [planning_row(root, names)]
    local = measure(root, names, repeat, targets, env)
    rows += _rows(local, f"{len(names)} notebooks of {CELLS} cells", "index read directly")
    if server is not None:
        with server(root) as (url, token):
            remote_env = {**env, "JUPYTER_BLOCKS_URL": url, "JUPYTER_BLOCKS_TOKEN": token}
            remote = measure(root, names, repeat, targets, remote_env)
        rows += _rows(remote, f"{len(names)} notebooks of {CELLS} cells", "through the server")
    return rows


def planning_row(root: Path, names: list[str]) -> Row:
    """Analysis and closure alone, cold, for every code cell as the target (whether its
    code can run here or not): the part of use() that grows with the notebook."""
    from jupyter_blocks.reuse import deps
    from jupyter_blocks.reuse.closure import Cell, plan

    deps.parse("%time x = 1")  # IPython's transformer, built once per process
    times = []
    for name in names:
        nb = json.loads((root / name).read_text())
        code = [
            Cell(i, c["id"], "".join(c["source"]))
            for i, c in enumerate(nb["cells"])
            if c["cell_type"] == "code"
        ]
        for end in range(1, len(code) + 1):
            deps._analyze.cache_clear()
            deps.binds.cache_clear()
            times.append(_timed(lambda cells=code[:end]: plan(cells)))
    return (
        f"P7 analysis and closure alone, cold, every code cell as the target "
        f"({len(times)} targets, {len(names)} notebooks of {CELLS} cells)",
        f"p50 {_ms(statistics.median(times))}, p95 {_ms(_p(times, 95))}, max {_ms(max(times))}",
        "",
        "",
        "",
    )


def _rows(results: list[dict[str, Any]], corpus: str, how: str) -> list[Row]:
    if not results:
        return [(f"P7 use() overhead ({how})", "no target ran", "", "", "p95 <= 50 ms")]
    direct = [r["direct"] for r in results]
    rows = []
    for kind in ("cold", "warm"):
        over = [max(0.0, r[kind] - r["direct"]) for r in results]
        rows.append(
            (
                f"P7 use() over running its cells directly, {kind}, {how} "
                f"({len(results)} targets, {corpus})",
                f"+{_ms(statistics.median(over))} p50, +{_ms(_p(over, 95))} p95",
                f"direct run p50 {_ms(statistics.median(direct))}, p95 {_ms(_p(direct, 95))}",
                "",
                "p95 <= 50 ms",
            )
        )
    plans = [r["plan"] for r in results]
    steps = [r["steps"] for r in results]
    rows.append(
        (
            f"P7 of which analysis and closure, cold ({how})",
            f"p50 {_ms(statistics.median(plans))}, p95 {_ms(_p(plans, 95))}",
            f"recipes of {min(steps)} to {max(steps)} cells",
            "",
            "",
        )
    )
    return rows


def _ms(seconds: float) -> str:
    return f"{seconds * 1000:.1f} ms"


def _p(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


@contextlib.contextmanager
def reuse_server(root: Path, home: Path) -> Any:
    """A real server on ``root``: its URL and token, as it gives them to its kernels."""
    from .server import TOKEN, jupyter_server

    with jupyter_server(root, home, db=home / "index.sqlite") as server:
        yield server.base + "/", TOKEN


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "--worker":
        root, name, repeat, targets = sys.argv[2:6]
        worker(Path(root), name, int(repeat), int(targets))
        return
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--notebooks", type=int, default=100, help="200-cell notebooks to measure (at most)"
    )
    parser.add_argument("--repeat", type=int, default=5, help="runs per target")
    parser.add_argument("--targets", type=int, default=25, help="targets per notebook (at most)")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="jupyter-blocks-reuse-"))
    try:
        home = work / "home"
        rows = p7_rows(
            work, args.notebooks, args.repeat, args.targets, lambda root: reuse_server(root, home)
        )
    finally:
        shutil.rmtree(work, ignore_errors=True)
    print(f"Command: python -m bench.reuse {' '.join(sys.argv[1:])}\n")
    print("| measure | jupyter-blocks | baseline | ratio | target |")
    print("| --- | --- | --- | --- | --- |")
    for row in rows:
        print("| " + " | ".join(row) + " |")


if __name__ == "__main__":
    main()
