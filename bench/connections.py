"""Unlinked references and the graph of notebooks over HTTP, at scale (issue 20).

    python -m bench.connections --notebooks 10000 --rounds 200

Builds a generated corpus (as ``python -m bench`` does) plus one notebook whose title is
a very common word (``# Data``: most blocks of the corpus hold it, so its candidates are
bounded by the search budget), starts a real ``jupyter server`` with the extension, and
prints a markdown table:

- ``GET unlinked?path=`` for random notebooks (their titles are pdsh's, repeated across
  the copies, and their file names), and for the common-word title;
- ``GET graph``: the whole graph (first request after indexing, then again: it is kept
  and follows the index notebook by notebook), the first request after a notebook is
  saved (through the contents API, once the index holds the save), and the local graph
  at depth 2;
- with ``--browser``: the whole graph drawn by the Blocks Graph panel in headless
  Chromium, from the command until sigma has drawn every node, and the first hover.
"""

from __future__ import annotations

import argparse
import contextlib
import random
import tempfile
import time
import urllib.error
from pathlib import Path
from urllib.parse import quote, urlencode

from .__main__ import CHROMIUM, CHROMIUM_ARGS, Row, generate, spread
from .server import Server, jupyter_server, lab_server

COMMON_TITLE = "Data"


def add_common_title(root: Path) -> str:
    """A notebook titled with a word most blocks hold; returns its path."""
    import nbformat
    from nbformat import v4

    nb = v4.new_notebook(cells=[v4.new_markdown_cell(f"# {COMMON_TITLE}\n\nA word everyone uses.")])
    path = root / "common" / "data.ipynb"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(nbformat.writes(nb), encoding="utf-8")
    return "common/data.ipynb"


def server_rows(root: Path, home: Path, rounds: int, common: str) -> list[Row]:
    rows: list[Row] = []
    notebooks = (p.relative_to(root) for p in root.rglob("*.ipynb"))
    paths = sorted(p.as_posix() for p in notebooks if not any(n[0] == "." for n in p.parts))
    rng = random.Random(5)
    with jupyter_server(root, home) as server:

        def get(endpoint: str, **params: str) -> tuple[float, dict]:
            return server.request("GET", f"/api/blocks/{endpoint}?{urlencode(params)}")

        # The server assembles the kept graph once its scan is over: the first request
        # waits for it, so that it does not run under the measures below.
        first, graph = get("graph")
        floor = spread([get("version")[0] for _ in range(rounds)], 99)
        latencies, found, complete = [], 0, 0
        for _ in range(rounds):
            took, reply = get("unlinked", path=rng.choice(paths))
            latencies.append(took)
            found += len(reply["unlinked"])
            complete += bool(reply["complete"])
        rows.append(
            (
                f"unlinked references of a notebook ({len(paths):,} notebooks)",
                f"{spread(latencies, 99)}; {found / rounds:.1f} mentions per answer, "
                f"{complete}/{rounds} complete",
                f"GET version {floor}",
                "",
                "p99 <= 50 ms",
            )
        )
        latencies, complete = [], 0
        for _ in range(rounds):
            took, reply = get("unlinked", path=common)
            latencies.append(took)
            complete += bool(reply["complete"])
        rows.append(
            (
                f'unlinked references of a notebook titled "{COMMON_TITLE}"',
                f"{spread(latencies, 99)}; {len(reply['unlinked'])} mentions, "
                f"{complete}/{rounds} complete",
                "",
                "",
                "p99 <= 50 ms",
            )
        )
        again = [get("graph")[0] for _ in range(rounds)]
        rows.append(
            (
                f"whole graph ({len(graph['nodes']):,} nodes, {len(graph['edges']):,} edges)",
                f"first after the scan {first * 1000:.0f} ms, then {spread(again, 99)}",
                "",
                "",
                "",
            )
        )
        after = [
            graph_after_save(server, rng.choice(paths), n, rng.choice(paths))
            for n in range(max(5, rounds // 4))
        ]
        rows.append(
            (
                "whole graph, first request after a notebook is saved",
                spread(after, 99),
                "",
                "",
                "p50 well under 100 ms",
            )
        )
        linked = sorted({e["target"] for e in graph["edges"]})
        latencies, sizes = [], []
        for _ in range(rounds):
            took, reply = get("graph", path=rng.choice(linked), depth="2")
            latencies.append(took)
            sizes.append(len(reply["nodes"]))
        rows.append(
            (
                "local graph, depth 2",
                f"{spread(latencies, 99)}; {sum(sizes) / len(sizes):.0f} nodes on average",
                "",
                "",
                "",
            )
        )
    return rows


def graph_after_save(server: Server, path: str, n: int, target: str) -> float:
    """Save ``path`` through the contents API with one more cell linking ``target``,
    wait until the index holds that cell, then time the first whole-graph request."""
    model = server.get(f"/api/contents/{quote(path)}?content=1")
    cell = {
        "cell_type": "markdown",
        "id": f"bench-save-{n}",
        "metadata": {},
        "source": f"Saved again, see [[{target}]].",
    }
    nb = {**model["content"], "cells": [*model["content"]["cells"], cell]}
    body = {"type": "notebook", "format": "json", "content": nb}
    server.request("PUT", f"/api/contents/{quote(path)}", body)
    deadline = time.monotonic() + 30
    while True:
        try:
            server.get(f"/api/blocks/block/bench-save-{n}")
            break
        except urllib.error.HTTPError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.01)
    return server.request("GET", "/api/blocks/graph")[0]


# From the command to a drawn, interactive whole graph: the panel opened and switched
# to all notebooks; "drawn" is sigma's first frame with every node and every edge
# of the answer (``data-rendered`` and ``data-rendered-edges``, set once sigma has
# rendered them, then the next animation frame); "interactive" is
# a hover answered after it: a mouse move over the biggest node (where sigma shows it
# now) until its tooltip is shown.
DRAW = """async (expected) => {
  const start = performance.now();
  await window.jupyterapp.commands.execute('jupyter-blocks:show-graph');
  const select = document.querySelector('.jp-Blocks-graphScope');
  select.value = 'whole';
  select.dispatchEvent(new Event('change'));
  const canvas = document.querySelector('.jp-Blocks-graphCanvas');
  const until = (check, what) => new Promise((resolve, reject) => {
    const timeout = setTimeout(() => reject(new Error(what + ' not in 60 s')), 60000);
    const poll = () => {
      const value = check();
      if (value) { clearTimeout(timeout); resolve(value); } else { setTimeout(poll, 2); }
    };
    poll();
  });
  await until(
    () => Number(canvas.dataset.rendered) === expected &&
      canvas.dataset.edges !== undefined &&
      canvas.dataset.renderedEdges === canvas.dataset.edges,
    'first frame'
  );
  await new Promise(resolve => requestAnimationFrame(resolve)); // that frame is shown
  const drawn = performance.now() - start;
  const view = [...window.jupyterapp.shell.widgets('main')]
    .find(w => w.id === 'jupyter-blocks-graph').content;
  const renderer = view._renderer;
  const graph = view.graph;
  let biggest = null;
  graph.forEachNode((key, a) => {
    if (biggest === null || a.size > graph.getNodeAttribute(biggest, 'size')) biggest = key;
  });
  const tooltip = canvas.querySelector('.jp-Blocks-graphTooltip');
  const mouse = canvas.querySelector('.sigma-mouse');
  const box = mouse.getBoundingClientRect();
  const hover = () => {
    const at = renderer.framedGraphToViewport(renderer.getNodeDisplayData(biggest));
    const init = { clientX: box.left + at.x, clientY: box.top + at.y, bubbles: true };
    mouse.dispatchEvent(new MouseEvent('mousemove', init));
    return !tooltip.hidden;
  };
  await until(hover, 'hover');
  return [drawn, performance.now() - start, graph.order, graph.size];
}"""


def browser_rows(root: Path, home: Path, expected: int) -> list[Row]:
    from playwright.sync_api import sync_playwright

    with lab_server(root, home) as base, sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1400, "height": 900})
        page.goto(base + "lab?reset")
        page.wait_for_function("window.jupyterapp && window.jupyterapp.started", timeout=120000)
        page.wait_for_selector("body[data-jp-blocks-server='ok']", state="attached", timeout=120000)
        drawn, interactive, nodes, edges = page.evaluate(DRAW, expected)
        browser.close()
    return [
        (
            f"whole graph drawn in headless Chromium ({nodes:,} nodes, {edges:,} edges)",
            f"first frame with every node and edge {drawn / 1000:.2f} s, a hover answered "
            f"{interactive / 1000:.2f} s, from the command",
            "",
            "",
            "<= 2 s",
        ),
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--notebooks", type=int, default=2000)
    parser.add_argument("--rounds", type=int, default=200)
    parser.add_argument("--browser", action="store_true", help="also time the panel in Chromium")
    parser.add_argument("--browser-only", action="store_true", help="only time the panel")
    parser.add_argument(
        "--work", type=Path, help="keep the corpus and index here, and reuse them next time"
    )
    args = parser.parse_args()
    print("| measure | jupyter-blocks | baseline | ratio | target |")
    print("| --- | --- | --- | --- | --- |", flush=True)
    with contextlib.ExitStack() as stack:
        work = args.work or Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="bb-")))
        root = work / "corpus"
        if not root.exists():
            generate(root, args.notebooks)
        common = add_common_title(root)
        if not args.browser_only:
            for row in server_rows(root, work / "home", args.rounds, common):
                print("| " + " | ".join(row) + " |", flush=True)
        if args.browser or args.browser_only:
            notebooks = root.rglob("*.ipynb")
            expected = sum(1 for n in notebooks if not any(p[0] == "." for p in n.parts))
            for row in browser_rows(root, work / "home", expected):  # the same index, warm
                print("| " + " | ".join(row) + " |", flush=True)


if __name__ == "__main__":
    main()
