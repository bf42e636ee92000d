"""Benchmarks of jupyter-blocks, each timing beside its baseline measured in the same run.

    python -m bench                       # pdsh corpus only
    python -m bench --generated 2000      # plus a generated corpus of 2,000 notebooks

Prints a markdown table (medians of --repeat runs) for BENCHMARKS.md.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from jupyter_blocks.indexer import Indexer, TreeRules
from jupyter_blocks.store import SQLiteStore

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"
PDSH = SHARED / "corpus" / "pdsh"
MAKE_CORPUS = SHARED / "tools" / "make_corpus.py"


def median_time(fn: Callable[[], float | None], repeat: int) -> float:
    """Median seconds of ``fn`` (which may return its own timing, to leave out teardown)."""
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        own = fn()
        times.append(own if own is not None else time.perf_counter() - start)
    return statistics.median(times)


def json_floor(root: Path) -> Callable[[], None]:
    """The parse floor: json.load of every notebook under root."""
    files = sorted(root.rglob("*.ipynb"))

    def run() -> None:
        for path in files:
            with open(path, encoding="utf-8") as f:
                json.load(f)

    return run


def cold_index(root: Path, work: Path) -> Callable[[], float]:
    """A cold index: a new SQLite file, every notebook read, parsed and stored, until
    it answers (closing the store, which checkpoints the WAL, is shutdown work)."""

    def run() -> float:
        db = work / "index.sqlite"
        for suffix in ("", "-wal", "-shm"):
            Path(str(db) + suffix).unlink(missing_ok=True)
        start = time.perf_counter()
        store = SQLiteStore(str(db), str(root))
        store.open()
        indexer = Indexer(store, TreeRules(str(root)), max_size=100 * 2**20)
        stale, _ = indexer.plan()
        indexer.index_all(stale)
        elapsed = time.perf_counter() - start
        store.close()
        return elapsed

    return run


def copy_pdsh(dest: Path) -> Path:
    dest.mkdir(parents=True)
    for nb in PDSH.glob("*.ipynb"):
        shutil.copy(nb, dest / nb.name)
    return dest


def generate(dest: Path, notebooks: int) -> Path:
    subprocess.run(
        [
            sys.executable,
            str(MAKE_CORPUS),
            "--source",
            str(PDSH),
            "--out",
            str(dest),
            "--notebooks",
            str(notebooks),
        ],
        check=True,
        capture_output=True,
    )
    return dest


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--generated", type=int, default=0, help="also index a generated corpus of N notebooks"
    )
    parser.add_argument(
        "--repeat", type=int, default=5, help="runs per timing (the median is shown)"
    )
    args = parser.parse_args()

    rows = []
    with tempfile.TemporaryDirectory(prefix="jupyter-blocks-bench-") as tmp:
        work = Path(tmp)
        corpora = [("pdsh (67 notebooks)", copy_pdsh(work / "pdsh"))]
        if args.generated:
            corpora.append(
                (
                    f"generated ({args.generated:,} notebooks)",
                    generate(work / "gen", args.generated),
                )
            )
        for name, root in corpora:
            size = sum(p.stat().st_size for p in root.rglob("*.ipynb")) / 2**20
            floor = median_time(json_floor(root), args.repeat)
            index = median_time(cold_index(root, work), args.repeat)
            rows.append(
                f"| P1 cold index, {name}, {size:,.0f} MiB | {index:.2f} s "
                f"| json.load {floor:.2f} s | {index / floor:.2f} x | <= 2.0 x |"
            )

    print(
        f"Machine: {platform.machine()}, {os.cpu_count()} cores, "
        f"Python {platform.python_version()}, SQLite {sqlite3.sqlite_version}; "
        f"median of {args.repeat} runs.\n"
    )
    print("| measure | jupyter-blocks | baseline | ratio | target |")
    print("| --- | --- | --- | --- | --- |")
    for row in rows:
        print(row)


if __name__ == "__main__":
    main()
