"""Where a cold index spends its time, thread by thread, from a py-spy recording.

    py-spy record --threads --native --rate 250 --format raw -o cold.txt \\
        -- python -m bench.profile index CORPUS
    python -m bench.profile summary cold.txt --rate 250

``index`` runs one cold index of CORPUS (as P1 does); ``summary`` sorts the samples of
each thread into what they were doing. Sampling slows the program down (about a third),
so the seconds are sampled seconds: compare them with each other, not with the table.
"""

from __future__ import annotations

import argparse
import collections
import tempfile
import time
from pathlib import Path

from jupyter_blocks.index.indexer import Indexer
from jupyter_blocks.index.tree import TreeRules
from jupyter_blocks.store import SQLiteStore

# (what, frames any of which marks it), first match wins.
ACTIVITIES = [
    ("waiting for the GIL", ("take_gil", "pthread_cond_timedwait")),
    ("garbage collection", ("gc_collect",)),
    ("SQLite: full-text index", ("SQLiteStore._index_text",)),
    ("SQLite: rows and their B-tree indexes", ("_insert_many",)),
    ("SQLite: commit (WAL writes)", ("SQLiteStore._write",)),
    ("markdown-it, on cells holding references", ("markdown_it",)),
    ("orjson.loads", ("load_json",)),
    ("cells to rows (Python)", ("parse_notebook",)),
    ("file reads", ("read_notebook_file",)),
    ("storing, Python side", ("SQLiteStore.",)),
]


def index(corpus: Path) -> None:
    with tempfile.TemporaryDirectory() as work:
        start = time.perf_counter()
        store = SQLiteStore(str(Path(work) / "index.sqlite"), str(corpus))
        store.open()
        indexer = Indexer(store, TreeRules(str(corpus)), max_size=100 * 2**20)
        stale, _ = indexer.plan()
        indexer.index_all(stale)
        print(f"cold index of {len(stale)} notebooks: {time.perf_counter() - start:.2f} s")
        store.close()


def summary(recording: Path, rate: int) -> None:
    threads: dict[str, collections.Counter[str]] = collections.defaultdict(collections.Counter)
    for line in recording.read_text().splitlines():
        stack, _, count = line.rpartition(" ")
        frames = stack.split(";")
        if "Indexer.index_all" in stack:
            thread = "writer"
        elif "Indexer.read" in stack:
            thread = "parser"
        elif "jupyter-blocks-parser" in frames[0]:
            threads["parser"]["idle, waiting for the writer"] += int(count)
            continue
        else:
            continue  # start-up and imports, outside the timed part
        threads[thread][_activity(frames)] += int(count)
    for thread, activities in threads.items():
        print(f"\n{thread} thread: {sum(activities.values()) / rate:.2f} s sampled\n")
        print("| activity | sampled seconds |\n| --- | --- |")
        for what, samples in activities.most_common():
            print(f"| {what} | {samples / rate:.2f} |")


def _activity(frames: list[str]) -> str:
    # A thread waiting for the GIL sleeps in a condition wait (an unnamed libc frame
    # below it); the other marks may be anywhere in the stack.
    innermost = ";".join(frames[-2:])
    for what, marks in ACTIVITIES:
        where = innermost if what == "waiting for the GIL" else ";".join(frames)
        if any(mark in where for mark in marks):
            return what
    return "other Python"


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("index").add_argument("corpus", type=Path)
    read = commands.add_parser("summary")
    read.add_argument("recording", type=Path)
    read.add_argument("--rate", type=int, default=250)
    args = parser.parse_args()
    if args.command == "index":
        index(args.corpus)
    else:
        summary(args.recording, args.rate)


if __name__ == "__main__":
    main()
