"""Benchmarks of the team store (issue 18): P2 to P5 with the index in PostgreSQL, beside
SQLite's cold index in the same run, and how fast a save on one server reaches another
server of the space.

    python -m bench.team --notebooks 10000     # the figures in BENCHMARKS.md
    python -m bench.team --notebooks 100 --rounds 20

The database is JUPYTER_BLOCKS_DATABASE_URL's; without it, a throwaway PostgreSQL
cluster is started in a temporary folder (tests/pgcluster.py) and removed at the end.
Needs ../shared/corpus/pdsh, as ``python -m bench`` does.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import random
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.error
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from tornado.httpclient import HTTPRequest
from tornado.websocket import websocket_connect

from jupyter_blocks.index.indexer import Indexer
from jupyter_blocks.index.tree import TreeRules
from jupyter_blocks.store.postgres import PostgresStore
from jupyter_blocks.store.postgres_schema import drop_space

from .__main__ import (
    MAKE_CORPUS,
    PDSH,
    REPO,
    Row,
    cold_index,
    generate,
    median_time,
    mib,
    p3_reindex,
    p4_backlinks,
    p5_search,
    spread,
)
from .server import TOKEN, Server, jupyter_server

URL_VARIABLE = "JUPYTER_BLOCKS_DATABASE_URL"
CLUSTER = REPO / "tests" / "pgcluster.py"


@contextmanager
def database() -> Iterator[str]:
    """The database to measure on: the configured one, else a throwaway cluster (with
    PostgreSQL's default durability: fsync on)."""
    url = os.environ.get(URL_VARIABLE)
    if url:
        yield url
        return
    folder = tempfile.mkdtemp(prefix="jupyter-blocks-pg-")
    started = subprocess.run(
        [sys.executable, str(CLUSTER), "start", folder, "--durable"],
        check=True,
        capture_output=True,
        text=True,
    )
    try:
        yield started.stdout.strip()
    finally:
        subprocess.run([sys.executable, str(CLUSTER), "stop", folder], check=False)


def pg_cold_index(root: Path, url: str) -> Callable[[], float]:
    """A cold index in PostgreSQL: a new space, every notebook read, parsed and stored
    (COPY), until it answers."""

    def run() -> float:
        space = f"bench-{uuid.uuid4().hex}"
        start = time.perf_counter()
        store = PostgresStore(url, str(root), space=space)
        store.open()
        indexer = Indexer(store, TreeRules(str(root)), max_size=100 * 2**20)
        stale, _ = indexer.plan()
        indexer.index_all(stale)
        elapsed = time.perf_counter() - start
        store.close()
        drop_space(url, space)
        return elapsed

    return run


@contextmanager
def team_server(
    root: Path, home: Path, url: str, space: str, watch: bool = True
) -> Iterator[Server]:
    """A server of ``space`` (bench.server's, with the PostgreSQL store's traits);
    without ``watch``, it learns of changes only from the other servers (as on another
    machine, whose watcher does not see writes made through another mount)."""
    config = home / "config"
    config.mkdir(parents=True, exist_ok=True)
    (config / "jupyter_server_config.json").write_text(
        json.dumps(
            {
                "BlocksExtension": {
                    "store_class": "jupyter_blocks.store.PostgresStore",
                    "database_url": url,
                    "space": space,
                    "watch_files": watch,
                    "poll_interval": 3600.0,
                }
            }
        )
    )
    previous = os.environ.get("JUPYTER_CONFIG_DIR")
    os.environ["JUPYTER_CONFIG_DIR"] = str(config)
    try:
        with jupyter_server(root, home) as server:
            yield server
    finally:
        if previous is None:
            del os.environ["JUPYTER_CONFIG_DIR"]
        else:
            os.environ["JUPYTER_CONFIG_DIR"] = previous


def propagation(first: Server, second: Server, root: Path, rounds: int) -> Row:
    """A save through the first server, until the second server's event stream says
    the notebook changed (what makes an embed open there fetch the block again). The
    second server does not watch the files: the news can only come through the
    database (NOTIFY, then the change log)."""
    path = next(
        p
        for p in sorted(root.rglob("*.ipynb"))
        if ".ipynb_checkpoints" not in p.parts and '"nbformat_minor": 5' in p.read_text()
    )
    rel = str(path.relative_to(root))
    nb = json.loads(path.read_text())
    cell = next(c for c in nb["cells"] if c["cell_type"] == "markdown" and c.get("id"))

    def save(body: object) -> None:
        try:
            first.request("PUT", f"/api/contents/{rel}", body)
        except urllib.error.HTTPError as error:
            raise RuntimeError(f"the save failed: {error.read()[:500]!r}") from None

    async def measure() -> list[float]:
        ws = await websocket_connect(
            HTTPRequest(
                second.base.replace("http", "ws") + "/api/events/subscribe",
                headers={"Authorization": f"token {TOKEN}"},
            )
        )
        loop = asyncio.get_running_loop()
        latencies = []
        try:
            for i in range(rounds):
                # Whatever the last round left in the stream is not this round's news.
                while True:
                    try:
                        await asyncio.wait_for(ws.read_message(), 0.3)
                    except asyncio.TimeoutError:
                        break
                cell["source"] = f"Edited on the first server {i} {random.randrange(10**9)}"
                body = {"type": "notebook", "format": "json", "content": nb}
                start = time.perf_counter()
                saving = loop.run_in_executor(None, save, body)
                while True:
                    event = json.loads(await asyncio.wait_for(ws.read_message(), 30))
                    if event.get("schema_id", "").endswith("/blocks/v1") and rel in event.get(
                        "paths", []
                    ):
                        break
                latencies.append(time.perf_counter() - start)
                await saving
        finally:
            ws.close()
        return latencies

    latencies = asyncio.run(measure())
    return (
        "Save on one server to the event on another (one space)",
        spread(latencies, 95),
        "",
        "",
        "p95 <= 1 s (goal 300 ms)",
    )


def side_by_side(team: list[Row], alone: list[Row]) -> list[Row]:
    """The team store's rows, each with SQLite's figure for the same measure beside it
    (a measure with its own baseline keeps it, SQLite's figure added)."""
    rows: list[Row] = []
    for (measure, figure, baseline, ratio, target), lite in zip(team, alone, strict=True):
        beside = f"SQLite {lite[1]}" + (f"; {baseline}" if baseline else "")
        rows.append((measure, figure, beside, ratio, target))
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--notebooks", type=int, default=10000)
    parser.add_argument("--repeat", type=int, default=1, help="runs per cold-index timing")
    parser.add_argument("--rounds", type=int, default=200, help="requests per HTTP measure")
    args = parser.parse_args()
    if not (PDSH.is_dir() and MAKE_CORPUS.is_file()):
        print("Skipped: ../shared/corpus/pdsh is not beside the repository.")
        return
    work = Path(tempfile.mkdtemp(prefix="jupyter-blocks-bench-team-"))
    rows: list[Row] = []
    try:
        with database() as url:
            root = generate(work / f"gen-{args.notebooks}", args.notebooks)
            truth = json.loads((root / "ground_truth.json").read_text())
            sqlite = median_time(cold_index(root, work), args.repeat)
            pg = median_time(pg_cold_index(root, url), args.repeat)
            rows.append(
                (
                    f"P2 cold index in PostgreSQL, {args.notebooks:,} notebooks "
                    f"({truth['cells']:,} blocks), {mib(root):,.0f} MiB",
                    f"{pg:.2f} s",
                    f"SQLite {sqlite:.2f} s",
                    f"{pg / sqlite:.2f} x",
                    "<= 30 s",
                )
            )
            space = f"bench-{uuid.uuid4().hex}"
            home = work / "home"
            try:
                with jupyter_server(root, home, blocks=False) as plain:
                    start = time.perf_counter()
                    with team_server(root, work / "home-a", url, space) as first:
                        ready = time.perf_counter() - start
                        rows.append(
                            (
                                f"P2 server start to index ready (PostgreSQL), "
                                f"{args.notebooks:,} notebooks",
                                f"{ready:.1f} s",
                                "",
                                "",
                                "<= 30 s",
                            )
                        )
                        team = p3_reindex(first, plain, root, min(args.rounds, 50))
                        team.append(p4_backlinks(first, root, truth, args.rounds))
                        team += p5_search(first, max(1, args.rounds // 20))
                        start = time.perf_counter()
                        with team_server(root, work / "home-b", url, space, False) as second:
                            joined = time.perf_counter() - start
                            rows.append(
                                (
                                    "A second server of the space: start to ready (no scan)",
                                    f"{joined:.1f} s",
                                    "",
                                    "",
                                    "",
                                )
                            )
                            rows.append(propagation(first, second, root, min(args.rounds, 50)))
                    # The same measures on SQLite, on the same corpus, in the same run
                    with jupyter_server(root, work / "home-s", db=work / "side.sqlite") as lite:
                        alone = p3_reindex(lite, plain, root, min(args.rounds, 50))
                        alone.append(p4_backlinks(lite, root, truth, args.rounds))
                        alone += p5_search(lite, max(1, args.rounds // 20))
                    rows += side_by_side(team, alone)
            finally:
                drop_space(url, space)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    print(
        f"Machine: {platform.machine()}, {os.cpu_count()} cores, "
        f"Python {platform.python_version()}, PostgreSQL (Debian's) on loopback. "
        f"Command: python -m bench.team {' '.join(sys.argv[1:])}\n"
    )
    print("| measure | jupyter-blocks | baseline | ratio | target |")
    print("| --- | --- | --- | --- | --- |")
    for row in rows:
        print("| " + " | ".join(row) + " |")


if __name__ == "__main__":
    main()
