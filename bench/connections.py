"""Unlinked references and the graph of notebooks over HTTP, at scale (issue 20).

    python -m bench.connections --notebooks 10000 --rounds 200

Builds a generated corpus (as ``python -m bench`` does) plus one notebook whose title is
a very common word (``# Data``: most blocks of the corpus hold it, so its candidates are
bounded by the search budget), starts a real ``jupyter server`` with the extension, and
prints a markdown table:

- ``GET unlinked?path=`` for random notebooks (their titles are pdsh's, repeated across
  the copies, and their file names), and for the common-word title;
- ``GET graph``: the whole graph (first request after indexing, then again: the store
  keeps it until the index changes), and the local graph at depth 2;
- with ``--browser``: the whole graph drawn by the Blocks Graph panel in headless
  Chromium, from the command until sigma has drawn every node, and the first hover.
"""

from __future__ import annotations

import argparse
import random
import tempfile
import time
from pathlib import Path
from urllib.parse import urlencode

from .__main__ import CHROMIUM, CHROMIUM_ARGS, Row, generate, spread
from .server import jupyter_server, lab_server

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
    paths = sorted(p.relative_to(root).as_posix() for p in root.rglob("*.ipynb"))
    rng = random.Random(5)
    with jupyter_server(root, home) as server:

        def get(endpoint: str, **params: str) -> tuple[float, dict]:
            return server.request("GET", f"/api/blocks/{endpoint}?{urlencode(params)}")

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
        first, graph = get("graph")
        again = [get("graph")[0] for _ in range(max(5, rounds // 20))]
        rows.append(
            (
                f"whole graph ({len(graph['nodes']):,} nodes, {len(graph['edges']):,} edges)",
                f"first {first * 1000:.0f} ms, then {spread(again, 99)}",
                "",
                "",
                "",
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


DRAW = """async () => {
  const start = performance.now();
  await window.jupyterapp.commands.execute('jupyter-blocks:show-graph');
  const select = document.querySelector('.jp-Blocks-graphScope');
  select.value = 'whole';
  select.dispatchEvent(new Event('change'));
  const canvas = document.querySelector('.jp-Blocks-graphCanvas');
  await new Promise((resolve, reject) => {
    const timeout = setTimeout(() => reject(new Error('not drawn in 60 s')), 60000);
    const check = () => {
      if (canvas.dataset.nodes && Number(canvas.dataset.nodes) > 1000) {
        clearTimeout(timeout);
        requestAnimationFrame(() => requestAnimationFrame(resolve));
      } else {
        setTimeout(check, 5);
      }
    };
    check();
  });
  return [performance.now() - start, Number(canvas.dataset.nodes)];
}"""


def browser_rows(root: Path, home: Path) -> list[Row]:
    from playwright.sync_api import sync_playwright

    with lab_server(root, home) as base, sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1400, "height": 900})
        page.goto(base + "lab?reset")
        page.wait_for_function("window.jupyterapp && window.jupyterapp.started", timeout=120000)
        page.wait_for_selector("body[data-jp-blocks-server='ok']", state="attached", timeout=120000)
        drawn, nodes = page.evaluate(DRAW)
        box = page.locator(".jp-Blocks-graphCanvas").bounding_box()
        assert box is not None
        start = time.perf_counter()
        page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
        page.mouse.move(box["x"] + box["width"] / 3, box["y"] + box["height"] / 3)
        page.mouse.wheel(0, -300)
        page.wait_for_timeout(50)
        interact = time.perf_counter() - start
        browser.close()
    return [
        (
            f"whole graph drawn in headless Chromium ({nodes:,} nodes)",
            f"{drawn / 1000:.2f} s from the command (fetch, layout start, first frame)",
            "",
            "",
            "<= 2 s",
        ),
        (
            "then a hover, a move and a zoom",
            f"{interact * 1000:.0f} ms (layout running in its worker)",
            "",
            "",
            "",
        ),
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--notebooks", type=int, default=2000)
    parser.add_argument("--rounds", type=int, default=200)
    parser.add_argument("--browser", action="store_true", help="also time the panel in Chromium")
    args = parser.parse_args()
    print("| measure | jupyter-blocks | baseline | ratio | target |")
    print("| --- | --- | --- | --- | --- |", flush=True)
    with tempfile.TemporaryDirectory(prefix="blocks-bench-") as tmp:
        work = Path(tmp)
        root = generate(work / "corpus", args.notebooks)
        common = add_common_title(root)
        for row in server_rows(root, work / "home", args.rounds, common):
            print("| " + " | ".join(row) + " |", flush=True)
        if args.browser:
            for row in browser_rows(root, work / "home"):  # the same index, warm
                print("| " + " | ".join(row) + " |", flush=True)


if __name__ == "__main__":
    main()
