"""One frame of a large graph drawn by sigma.js alone in headless Chromium's software
WebGL: sigma's default programs (circles, rectangles: instanced quads) against GL points
and GL lines, as the Blocks Graph panel draws more than 500 notebooks.

    python -m bench.sigma_frame.run --nodes 10000 --edges 40000 --runs 3

Prints, per variant and run, the time to make the renderer (process and render calls)
and until the frame after the drawn one begins (the drawn one is shown), in ms.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from ..__main__ import CHROMIUM, CHROMIUM_ARGS

PAGE = (Path(__file__).parent / "index.html").resolve().as_uri()


def main() -> None:
    from playwright.sync_api import sync_playwright

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--nodes", type=int, default=10000)
    parser.add_argument("--edges", type=int, default=40000)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    variants = {"circles and rectangles": False, "points and lines": True}
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        for name, fast in variants.items():
            for _ in range(args.runs):
                page = browser.new_page(viewport={"width": 1400, "height": 900})
                page.goto(PAGE)
                options = {"nodes": args.nodes, "edges": args.edges, "points": fast, "lines": fast}
                times = page.evaluate("options => window.frame(options)", options)
                print(
                    f"{name}: renderer made {times['made']:.0f} ms, "
                    f"frame shown {times['shown']:.0f} ms"
                )
                page.close()
        browser.close()


if __name__ == "__main__":
    main()
