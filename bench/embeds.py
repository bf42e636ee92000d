"""P6: a notebook of 50 embeds opened in headless Chromium, against the same notebook
without references.

What is timed is what a user waits for: from the open command until every embed shows
its outputs, measured inside the page (performance.now and a MutationObserver, so
neither the command's own promise, which settles later, nor polling is counted). Each
open starts from JupyterLab loaded with an empty layout (``?reset``: no restored tabs)
and starts no kernel, so the figure is rendering alone:

- cold: the first notebook opened in the page (JupyterLab still loads the code and
  fonts a notebook needs on first use);
- warm: a notebook opened after another one was opened and closed.
"""

from __future__ import annotations

import json
import shutil
import statistics
from pathlib import Path
from typing import Any

from .server import lab_server

EMBEDS = 50
RUNS = 3
# Notebooks carry the metadata real ones have: without a kernelspec JupyterLab asks
# which kernel to use, and fills the metadata in (the notebook turns dirty).
METADATA = {
    "kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"},
    "language_info": {"name": "python"},
}
# An embed counts once its outputs are in the page.
EMBED_DONE = ".jp-Blocks-embed .jp-Blocks-embedOutputs > .jp-OutputArea-output:first-child"
PLAIN_DONE = ".jp-MarkdownCell .jp-RenderedMarkdown > p"
PLAIN_TEXT = "A markdown cell without references."

OPEN_UNTIL_RENDERED = """async ([path, selector, count]) => {
  const start = performance.now();
  const rendered = new Promise((resolve, reject) => {
    const timeout = setTimeout(() => reject(new Error('not rendered in 60 s')), 60000);
    const observer = new MutationObserver(() => {
      if (document.querySelectorAll(selector).length >= count) {
        observer.disconnect();
        clearTimeout(timeout);
        resolve(performance.now() - start);
      }
    });
    observer.observe(document.body, { subtree: true, childList: true });
  });
  void window.jupyterapp.commands.execute('docmanager:open', {
    path,
    kernelPreference: { shouldStart: false }
  });
  return rendered;
}"""


def p6_embeds(
    corpus: Path, work: Path, home: Path, chromium: str, args: list[str]
) -> list[tuple[str, str, str, str, str]]:
    from playwright.sync_api import sync_playwright

    root = work / "p6"
    shutil.copytree(corpus, root / "sources")
    ids = _embeddable(root / "sources")
    host = _notebook([f"{{{{embed (({block}))}}}}" for block in ids])
    (root / "host.ipynb").write_text(json.dumps(host))
    (root / "plain.ipynb").write_text(json.dumps(_notebook([PLAIN_TEXT] * len(ids))))
    host_open = ("host.ipynb", EMBED_DONE, len(ids))
    plain_open = ("plain.ipynb", PLAIN_DONE, len(ids))
    times: dict[str, list[float]] = {}
    requests: dict[str, list[list[str]]] = {}
    with lab_server(root, home) as base, sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium, args=args)
        for _ in range(RUNS):
            # One page opens the baseline cold then the embeds warm, the other the
            # embeds cold then the baseline warm.
            for first, second in ((plain_open, host_open), (host_open, plain_open)):
                page = browser.new_page(viewport={"width": 1280, "height": 900})
                page.goto(base + "lab?reset")
                page.wait_for_function(
                    "window.jupyterapp && document.body.dataset.jpBlocksServer === 'ok'",
                    timeout=120_000,
                )
                for when, opened in (("cold", first), ("warm", second)):
                    key = f"{opened[0]} {when}"
                    seconds, made = _open(page, opened)
                    times.setdefault(key, []).append(seconds)
                    requests.setdefault(key, []).append(made)
                    page.evaluate("window.jupyterapp.commands.execute('application:close-all')")
                    page.wait_for_function("!document.querySelector('.jp-NotebookPanel')")
                page.close()
        browser.close()

    def median(key: str) -> float:
        return statistics.median(times[key])

    def most(key: str, api: str = "") -> int:
        return max(sum(api in url for url in made) for made in requests[key])

    rows = []
    for when in ("cold", "warm"):
        host_key, plain_key = f"host.ipynb {when}", f"plain.ipynb {when}"
        rows.append(
            (
                f"P6 a notebook with {len(ids)} embeds opened in Chromium ({when}), "
                "until every embed shows its outputs",
                f"{median(host_key):.2f} s, {most(host_key, '/api/blocks/resolve')} resolve"
                f" request(s) ({most(host_key)} HTTP requests in all)",
                f"same notebook without references {median(plain_key):.2f} s"
                f" ({most(plain_key)} HTTP requests)",
                f"{median(host_key) - median(plain_key):+.2f} s",
                "<= 2 s, 1 resolve request",
            )
        )
    return rows


def _open(page: Any, opened: tuple[str, str, int]) -> tuple[float, list[str]]:
    """Open a notebook; the seconds until it rendered, and the HTTP requests made."""
    made: list[str] = []

    def count(request: Any) -> None:
        if request.url.startswith("http"):
            made.append(request.url)

    page.on("request", count)
    try:
        milliseconds = page.evaluate(OPEN_UNTIL_RENDERED, list(opened))
    finally:
        page.remove_listener("request", count)
    return milliseconds / 1000, made


def _embeddable(corpus: Path) -> list[str]:
    """Ids of code cells with outputs, one per notebook, plots and tables first (what
    users embed, and the heaviest to render)."""
    ids: list[str] = []
    for path in sorted(corpus.rglob("*.ipynb")):
        cells = [
            c
            for c in json.loads(path.read_text())["cells"]
            if c["cell_type"] == "code" and c.get("outputs") and c.get("id")
        ]
        if cells:
            ids.append(max(cells, key=_weight)["id"])
        if len(ids) == EMBEDS:
            break
    return ids


def _weight(cell: dict[str, Any]) -> tuple[bool, bool]:
    kinds = {mime for output in cell["outputs"] for mime in output.get("data", {})}
    return "image/png" in kinds, "text/html" in kinds


def _notebook(sources: list[str]) -> dict[str, Any]:
    return {
        "nbformat": 4,
        "nbformat_minor": 5,
        "metadata": METADATA,
        "cells": [
            {"cell_type": "markdown", "id": f"cell-{i}", "metadata": {}, "source": source}
            for i, source in enumerate(sources)
        ],
    }
