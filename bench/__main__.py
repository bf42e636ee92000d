"""Benchmarks of jupyter-blocks, each timing beside its baseline measured in the same run.

    python -m bench --notebooks 10000            # the full run behind BENCHMARKS.md
    python -m bench --notebooks 100 --repeat 1   # a quick run (CI keeps it working)

Builds corpora with ../shared/tools/make_corpus.py from ../shared/corpus/pdsh (or the
folder JUPYTER_BLOCKS_SHARED names), then prints a markdown table. Timings are medians
(or percentiles) of repeated runs. Without that corpus, says so and measures nothing.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from urllib.parse import quote_plus

from jupyter_blocks.index.indexer import Indexer
from jupyter_blocks.index.tree import TreeRules
from jupyter_blocks.store import SQLiteStore

from .embeds import p6_embeds
from .reuse import p7_rows, reuse_server
from .server import Server, jupyter_server

REPO = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("JUPYTER_BLOCKS_SHARED", REPO.parent / "shared"))
PDSH = SHARED / "corpus" / "pdsh"
MAKE_CORPUS = SHARED / "tools" / "make_corpus.py"

Row = tuple[str, str, str, str, str]
CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def median_time(fn: Callable[[], float | None], repeat: int) -> float:
    """Median seconds of ``fn`` (which may return its own timing, to leave out teardown)."""
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        own = fn()
        times.append(own if own is not None else time.perf_counter() - start)
    return statistics.median(times)


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def spread(latencies: list[float], p: float) -> str:
    return (
        f"p50 {statistics.median(latencies) * 1000:.1f} ms, "
        f"p{p:.0f} {percentile(latencies, p) * 1000:.1f} ms"
    )


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
    add_cjk(dest, max(1, notebooks // 50))
    return dest


# Notes in Chinese and Japanese beside the generated English ones (2% of the corpus), so
# that the search queries in those scripts find words in the middle of sentences.
_CJK_WORDS = [
    "本文",
    "介绍",
    "机器学习",
    "的",
    "基本",
    "方法",
    "数据",
    "分析",
    "模型",
    "比较",
    "结果",
    "可视化",
    "统计",
    "この",
    "記事",
    "では",
    "自然言語処理",
    "と",
    "データ",
    "分析",
    "の",
    "基本",
    "を",
    "説明",
    "します",
    "可視化",
    "手法",
]


def add_cjk(dest: Path, count: int, seed: int = 7) -> None:
    import random

    import nbformat

    rng = random.Random(seed)
    folder = dest / "cjk"
    folder.mkdir(exist_ok=True)
    for n in range(count):
        cells = [
            nbformat.v4.new_markdown_cell("".join(rng.choices(_CJK_WORDS, k=rng.randint(12, 40))))
            for _ in range(20)
        ]
        nbformat.write(nbformat.v4.new_notebook(cells=cells), folder / f"notes-{n:04}.ipynb")


def mib(root: Path) -> float:
    return sum(p.stat().st_size for p in root.rglob("*.ipynb")) / 2**20


def cold_row(name: str, root: Path, work: Path, repeat: int, target: str) -> Row:
    """A cold index of ``root`` beside json.load of the same files."""
    floor = median_time(json_floor(root), repeat)
    index = median_time(cold_index(root, work), repeat)
    return (
        f"{name}, {mib(root):,.0f} MiB",
        f"{index:.2f} s",
        f"json.load {floor:.2f} s",
        f"{index / floor:.2f} x",
        target,
    )


def p3_reindex(server: Server, plain: Server, root: Path, rounds: int) -> list[Row]:
    """Save one notebook through the contents API, then wait until the index serves
    the new text: save-to-index latency, and the save request beside a server
    without the extension."""
    path = next(
        p
        for p in sorted(root.rglob("*.ipynb"))
        if ".ipynb_checkpoints" not in p.parts and '"nbformat_minor": 5' in p.read_text()
    )
    rel = str(path.relative_to(root))
    nb = json.loads(path.read_text())
    cell = next(c for c in nb["cells"] if c["cell_type"] == "markdown" and c.get("id"))
    block_id = cell["id"]
    latencies, saves, plain_saves = [], [], []
    for i in range(rounds):
        token = f"benchmark{i}x{random.randrange(10**9)}"
        cell["source"] = f"Edited {token}"
        body = {"type": "notebook", "format": "json", "content": nb}
        start = time.perf_counter()
        took, _ = server.request("PUT", f"/api/contents/{rel}", body)
        saves.append(took)
        while token not in server.get(f"/api/blocks/block/{block_id}")["source"]:
            time.sleep(0.0005)
        latencies.append(time.perf_counter() - start)
        plain_saves.append(plain.request("PUT", f"/api/contents/{rel}", body)[0])
    slower = (statistics.median(saves) - statistics.median(plain_saves)) * 1000
    return [
        (
            "P3 save to index updated (one notebook)",
            spread(latencies, 95),
            "",
            "",
            "p95 <= 20 ms",
        ),
        (
            "P3 the save request itself",
            f"p50 {statistics.median(saves) * 1000:.1f} ms",
            f"without the extension {statistics.median(plain_saves) * 1000:.1f} ms",
            f"{slower:+.1f} ms",
            "<= +5 ms",
        ),
    ]


def p4_backlinks(server: Server, root: Path, truth: dict, rounds: int) -> Row:
    ids = list(truth["backlinks"])
    random.Random(4).shuffle(ids)
    latencies = []
    for block_id in (ids * (1 + rounds // max(1, len(ids))))[:rounds]:
        latencies.append(server.request("GET", f"/api/blocks/backlinks/{block_id}")[0])
    greps = []
    for block_id in ids[:5]:
        start = time.perf_counter()
        subprocess.run(["grep", "-rlF", f"(({block_id}))", str(root)], capture_output=True)
        greps.append(time.perf_counter() - start)
    p50, p99 = statistics.median(latencies), percentile(latencies, 99)
    grep = statistics.median(greps)
    return (
        "P4 backlinks of a block over HTTP",
        f"p50 {p50 * 1000:.2f} ms, p99 {p99 * 1000:.2f} ms",
        f"grep -rlF {grep * 1000:.0f} ms",
        f"{grep / p50:,.0f} x faster",
        "p99 <= 5 ms, >= 100 x",
    )


QUERIES = {
    "CJK (words mid-sentence, one character)": [
        "机器学习",
        "数据分析",
        "学",
        "自然言語処理",
        "可視化",
    ],
    "one letter": ["a", "e", "x", "s", "p"],
    "prefix": ["dat", "plo", "arr", "pand", "func"],
    "very common": ["the", "import", "data", "of", "in"],
    "phrase": ["fundamental piece", "extrasolar planets", "seaborn dataset", "numpy array"],
}


def p5_search(server: Server, rounds: int) -> list[Row]:
    """Search latency per kind of query, once the server is settled. Right after its
    scan, the server assembles its graph of notebooks in the background (seconds of
    Python at 10,000 notebooks), stepping aside while requests are served: searches
    served before the graph is asked for are timed apart, first."""
    # The index is ready (the server said so): search at once, before the graph is
    # assembled, then ask for the graph (it waits for the assembly) and go on.
    queries = [q for kind in QUERIES.values() for q in kind]
    meanwhile = []
    for q in queries * 2:
        meanwhile.append(server.request("GET", f"/api/blocks/search?q={quote_plus(q)}&limit=20")[0])
    server.request("GET", "/api/blocks/graph")
    rows: list[Row] = [
        (
            f"P5 search right after the scan, before the graph is assembled ({len(meanwhile)})",
            f"p50 {statistics.median(meanwhile) * 1000:.1f} ms, max {max(meanwhile) * 1000:.1f} ms",
            "",
            "",
            "bounded",
        )
    ]
    for kind, queries in QUERIES.items():
        latencies = []
        for _ in range(rounds):
            for q in queries:
                latencies.append(
                    server.request("GET", f"/api/blocks/search?q={quote_plus(q)}&limit=20")[0]
                )
        rows.append(
            (
                f"P5 search, {kind} queries",
                spread(latencies, 99),
                "",
                "",
                "p99 <= 50 ms",
            )
        )
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--notebooks", type=int, default=2000, help="size of the large generated corpus"
    )
    parser.add_argument("--repeat", type=int, default=3, help="runs per cold-index timing")
    parser.add_argument("--rounds", type=int, default=200, help="requests per HTTP measure")
    parser.add_argument(
        "--work", type=Path, default=None, help="folder for the corpora (default: a temporary one)"
    )
    parser.add_argument(
        "--only", choices=["search"], default=None, help="measure only this (P5 search)"
    )
    args = parser.parse_args()
    if not (PDSH.is_dir() and MAKE_CORPUS.is_file()):
        # A clone without ../shared: nothing to build the corpora from (tests/helpers.py
        # skips the corpus-wide tests with the same reason).
        print("Skipped: ../shared/corpus/pdsh is not beside the repository.")
        return

    work = args.work or Path(tempfile.mkdtemp(prefix="jupyter-blocks-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    rows: list[Row] = []
    if args.only == "search":
        large = generate(work / f"gen-{args.notebooks}", args.notebooks)
        with jupyter_server(large, work / "home", db=work / "server.sqlite") as server:
            rows += p5_search(server, max(1, args.rounds // 20))
        if args.work is None:
            shutil.rmtree(work, ignore_errors=True)
        report(rows)
        return
    try:
        pdsh = copy_pdsh(work / "pdsh")
        repeat = max(args.repeat, 5)  # small: more runs for a stable median
        rows.append(cold_row("P1 cold index, pdsh (67 notebooks)", pdsh, work, repeat, "<= 2.0 x"))
        mid = min(args.notebooks, 2000)
        middle = generate(work / f"gen-{mid}", mid)
        name = f"P1 cold index, generated ({mid:,} notebooks)"
        rows.append(cold_row(name, middle, work, args.repeat, "<= 2.0 x"))
        large = middle
        if args.notebooks != mid:
            large = generate(work / f"gen-{args.notebooks}", args.notebooks)
        truth = json.loads((large / "ground_truth.json").read_text())
        name = f"P2 cold index, {args.notebooks:,} notebooks ({truth['cells']:,} blocks)"
        rows.append(cold_row(name, large, work, args.repeat, "<= 30 s"))

        home = work / "home"
        with jupyter_server(large, home, blocks=False) as plain:
            plain_rss = plain.rss_mb()
            start = time.perf_counter()
            with jupyter_server(large, home, db=work / "server.sqlite") as server:
                server_cold = time.perf_counter() - start
                rss = server.rss_mb()
                rows.append(
                    (
                        f"P2 server start to index ready, {args.notebooks:,} notebooks",
                        f"{server_cold:.1f} s",
                        "",
                        "",
                        "<= 30 s",
                    )
                )
                rows += p3_reindex(server, plain, large, min(args.rounds, 50))
                rows.append(p4_backlinks(server, large, truth, args.rounds))
                rows += p5_search(server, max(1, args.rounds // 20))
                rows.append(
                    (
                        f"P8 server RSS after indexing {args.notebooks:,} notebooks",
                        f"{rss:.0f} MB",
                        f"extension disabled {plain_rss:.0f} MB",
                        f"{rss - plain_rss:+.0f} MB",
                        "<= +150 MB",
                    )
                )
        rows += p6_embeds(middle, work, home, CHROMIUM, CHROMIUM_ARGS)
        # use(): every 200-cell notebook for a full run, one for a quick one
        quick = args.notebooks < 1000
        rows += p7_rows(
            work,
            notebooks=1 if quick else 100,
            repeat=1 if quick else 5,
            targets=5 if quick else 25,
            server=lambda root: reuse_server(root, home),
        )
    finally:
        if args.work is None:
            shutil.rmtree(work, ignore_errors=True)

    report(rows)


def report(rows: list[Row]) -> None:
    print(
        f"Machine: {platform.machine()}, {os.cpu_count()} cores, "
        f"Python {platform.python_version()}, "
        f"SQLite {sqlite3.sqlite_version}. Command: python -m bench {' '.join(sys.argv[1:])}\n"
    )
    print("| measure | jupyter-blocks | baseline | ratio | target |")
    print("| --- | --- | --- | --- | --- |")
    for row in rows:
        print("| " + " | ".join(row) + " |")


if __name__ == "__main__":
    main()
