"""Static export: notebooks with their embeds resolved, for readers without the extension."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest
from helpers import copy_demo

from jupyter_blocks.links.refs import find_references


def run_export(*args: str, home: Path) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "JUPYTER_DATA_DIR": str(home / "data"),
        "JUPYTER_CONFIG_DIR": str(home / "cfg"),
    }
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "jupyter_blocks.cli",
            "export",
            *args,
            f"--db={home / 'index.sqlite'}",
        ],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )


@pytest.fixture
def demo(tmp_path: Path) -> Path:
    root = tmp_path / "demo"
    copy_demo(root)
    return root


def test_html_export_shows_the_embedded_plot_and_links_to_sources(demo: Path, tmp_path: Path):
    result = run_export(str(demo / "report.ipynb"), "--to=html", home=tmp_path)
    assert result.returncode == 0, result.stderr
    html = (demo / "report.html").read_text()
    # The embedded plot's image, and the embedded table
    assert "data:image/png;base64," in html
    assert "<table" in html
    # A reference became the referenced block's title, linking to its cell
    assert "Monthly units sold, by region" in html
    assert 'href="data/sales.ipynb#cell-id=sales-plot"' in html
    # Embeds name where they come from
    assert "Embedded from" in html


def test_notebook_export_is_self_contained(demo: Path, tmp_path: Path):
    out = tmp_path / "shared.ipynb"
    result = run_export(
        str(demo / "report.ipynb"), "--to=notebook", f"--output={out}", home=tmp_path
    )
    assert result.returncode == 0, result.stderr
    nb = nbformat.read(out, as_version=4)
    nbformat.validate(nb)
    # The embedded code cells came along with their outputs
    outputs = [o for c in nb.cells if c.cell_type == "code" for o in c.outputs]
    assert any("image/png" in o.get("data", {}) for o in outputs)
    assert any("text/html" in o.get("data", {}) for o in outputs)
    # No live syntax is left (the decoys written inside code stay as the author wrote them)
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            assert find_references(cell.source) == [], cell.source
    decoy_free = [c for c in nb.cells if c.cell_type == "markdown" and "`" not in c.source]
    assert all("((" not in c.source and "{{embed" not in c.source for c in decoy_free)
    # An outputs-only embed hides its source in exports
    hidden = [c for c in nb.cells if c.metadata.get("transient", {}).get("remove_source")]
    assert hidden and all(c.outputs for c in hidden)


def test_broken_references_are_visible_and_strict_fails(tmp_path: Path):
    root = tmp_path / "kb"
    root.mkdir()
    nb = {
        "nbformat": 4,
        "nbformat_minor": 5,
        "metadata": {},
        "cells": [
            {
                "cell_type": "markdown",
                "id": "x1",
                "metadata": {},
                "source": "See ((no-such-block))\n\n{{embed ((gone-too))}}",
            }
        ],
    }
    (root / "broken.ipynb").write_text(json.dumps(nb))
    relaxed = run_export(str(root / "broken.ipynb"), "--to=markdown", home=tmp_path)
    assert relaxed.returncode == 0
    text = (root / "broken.md").read_text()
    assert "block not found: `no-such-block`" in text
    assert "block not found:** `gone-too`" in text
    assert "warning: block not found: no-such-block" in relaxed.stderr
    strict = run_export(str(root / "broken.ipynb"), "--to=markdown", "--strict", home=tmp_path)
    assert strict.returncode == 1


def test_nbconvert_knows_the_blocks_exporters():
    from nbconvert.exporters import get_export_names

    assert {"blocks_html", "blocks_markdown", "blocks_notebook"} <= set(get_export_names())
