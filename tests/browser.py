"""Pages opened in real headless Chromium (Debian's, as the galata suite uses)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@contextmanager
def chromium_page() -> Iterator[Any]:
    """A fresh page in headless Chromium."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=FLAGS, headless=True)
        try:
            yield browser.new_page()
        finally:
            browser.close()


def broken_images(page: Any) -> list[str]:
    """The pictures of the page that did not load (src of each)."""
    return list(
        page.evaluate(
            """() => [...document.images]
                .filter(img => !(img.complete && img.naturalWidth > 0))
                .map(img => img.getAttribute('src'))"""
        )
    )
