"""Export under attack: one sanitizing policy for what comes from other notebooks
(spec/script-payloads.json, the payload set the galata suite also renders), through the
CLI and through nbconvert, checked in Chromium; and a bound on the work of one export."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import nbformat
import pytest
from browser import chromium_page
from nbformat.sign import NotebookNotary
from ondisk import code, md, write

PAYLOADS = json.loads((Path(__file__).parents[1] / "spec" / "script-payloads.json").read_text())
HTML = "\n".join(p["text"] for p in PAYLOADS["html"])
MARKDOWN = "\n\n".join(p["text"] for p in PAYLOADS["markdown"])


def env(home: Path) -> dict[str, str]:
    return {
        **os.environ,
        "JUPYTER_DATA_DIR": str(home / "data"),
        "JUPYTER_CONFIG_DIR": str(home / "cfg"),
    }


@pytest.fixture
def attacked(tmp_path: Path) -> Path:
    """A root where host.ipynb embeds and references blocks full of payloads."""
    root = tmp_path / "root"
    write(
        root / "untrusted.ipynb",
        [
            md("evil-md", f"Untrusted markdown\n\n{HTML}\n\n{MARKDOWN}"),
            md("evil-title", '<img src="x" onerror="window.__pwn_title = 1"> title text'),
            code(
                "evil-out",
                "display(HTML(...))",
                [
                    nbformat.v4.new_output(
                        "display_data", {"text/html": f"<p>visible output</p>{HTML}"}
                    ),
                    nbformat.v4.new_output(
                        "display_data",
                        {"application/javascript": "window.__pwn_js = 1", "text/plain": "js"},
                    ),
                    nbformat.v4.new_output(
                        "display_data",
                        {"image/svg+xml": '<svg onload="window.__pwn_svgmime = 1"></svg>'},
                    ),
                ],
                metadata={"trusted": True},  # forged: never believed
            ),
        ],
    )
    trusted = write(
        root / "trusted.ipynb",
        [md("trusted-md", f"Trusted markdown\n\n{HTML}"), code("ok-out", "1", [])],
    )
    (tmp_path / "data").mkdir(parents=True, exist_ok=True)
    notary = NotebookNotary(data_dir=str(tmp_path / "data"))
    notary.sign(nbformat.read(trusted, as_version=4))
    notary.store.close()
    write(
        root / "host.ipynb",
        [
            md("h1", "See ((evil-title)) and ((evil-md))."),
            md("h2", "{{embed ((evil-md))}}"),
            md("h3", "{{embed ((evil-out))}}"),
            md("h4", "{{embed ((trusted-md))}}"),
            md("h5", "{{embed ((evil-title))}}"),
        ],
    )
    return root


def assert_nothing_ran(page: Any) -> None:
    for element in page.locator(".pwn").all():
        element.click(force=True, no_wait_after=True)
    page.wait_for_timeout(300)
    ran = page.evaluate("() => Object.keys(window).filter(k => k.startsWith('__pwn_'))")
    assert ran == []
    assert page.evaluate("() => document.body.tagName") == "BODY"
    # No handler, script or javascript: URL is left in the page's content
    leftovers = page.evaluate(
        """() => [...document.querySelectorAll('main *, .jp-Notebook *')].flatMap(el =>
            [...el.attributes].filter(a => a.name.startsWith('on')
              || /^\\s*javascript:/i.test(a.value)).map(a => el.tagName + ' ' + a.name))"""
    )
    assert leftovers == []


def test_cli_html_export_runs_no_payload(attacked: Path, tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "jupyter_blocks.cli", "export", "host.ipynb", "--to=html"],
        cwd=attacked,
        env=env(tmp_path),
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr
    html = (attacked / "host.html").read_text()
    # The content is there, made safe
    assert "Untrusted markdown" in html and "visible output" in html and "Trusted markdown" in html
    assert "window.__pwn_js" not in html  # the JavaScript output is removed
    with chromium_page() as page:
        page.goto((attacked / "host.html").as_uri())
        assert "title text" in page.inner_text("body")
        assert_nothing_ran(page)


def test_nbconvert_blocks_html_runs_no_payload(attacked: Path, tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "jupyter", "nbconvert", "--to", "blocks_html", "host.ipynb"],
        cwd=attacked,
        env=env(tmp_path),
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr
    with chromium_page() as page:
        page.goto((attacked / "host.html").as_uri())
        assert "visible output" in page.inner_text("body")
        assert_nothing_ran(page)


def test_notebook_export_leaves_no_script_in_untrusted_outputs(attacked: Path, tmp_path: Path):
    out = tmp_path / "copy.ipynb"
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "jupyter_blocks.cli",
            "export",
            "host.ipynb",
            "--to=notebook",
            f"--output={out}",
        ],
        cwd=attacked,
        env=env(tmp_path),
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr
    outputs = [o for c in nbformat.read(out, as_version=4).cells for o in c.get("outputs", [])]
    mimes = {m for o in outputs for m in o.get("data", {})}
    assert "application/javascript" not in mimes and "image/svg+xml" not in mimes
    assert all("onerror" not in o["data"].get("text/html", "") for o in outputs if "data" in o)


def test_export_fan_out_is_bounded(tmp_path: Path) -> None:
    # Given notebooks that each embed the next level's block 30 times (30**3 embeds)
    root = tmp_path / "root"
    for level in range(4):
        body = "x" if level == 3 else " ".join([f"{{{{embed ((b{level + 1}))}}}}"] * 30)
        write(root / f"n{level}.ipynb", [md(f"b{level}", f"Level {level} {body}")])
    started = time.monotonic()
    result = subprocess.run(
        [sys.executable, "-m", "jupyter_blocks.cli", "export", "n0.ipynb", "--to=notebook"],
        cwd=root,
        env=env(tmp_path),
        capture_output=True,
        text=True,
        timeout=300,
    )
    # Then the export stops at its bound, says so, and stays small
    assert result.returncode == 0, result.stderr
    assert "export limit reached" in result.stderr
    out = root / "n0.embedded.ipynb"
    assert out.stat().st_size < 5 * 2**20
    assert "export limit reached" in out.read_text()
    assert time.monotonic() - started < 120  # a bound, not a benchmark
