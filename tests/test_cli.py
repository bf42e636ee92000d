"""`jupyter blocks`: the command line a team runs in CI or pre-commit."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from helpers import DEMO


def markdown(cell_id: str, source: str) -> dict[str, Any]:
    return {"cell_type": "markdown", "id": cell_id, "metadata": {}, "source": source}


def notebook(*cells: dict[str, Any]) -> dict[str, Any]:
    return {"nbformat": 4, "nbformat_minor": 5, "metadata": {}, "cells": list(cells)}


def write(path: Path, nb: dict[str, Any]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(nb))


class Cli:
    def __init__(self, home: Path) -> None:
        self.db = home / "index.sqlite"
        self.env = {
            **os.environ,
            "JUPYTER_CONFIG_DIR": str(home / "config"),
            "JUPYTER_DATA_DIR": str(home / "data"),
        }

    def __call__(self, *args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "jupyter_blocks.cli", *args, f"--db={self.db}"],
            env=self.env,
            capture_output=True,
            text=True,
            timeout=120,
        )


@pytest.fixture
def cli(tmp_path: Path) -> Cli:
    return Cli(tmp_path / "home")


def test_check_lists_each_problem_and_fails(tmp_path: Path, cli: Cli):
    root = tmp_path / "kb"
    write(root / "a.ipynb", notebook(markdown("a1", "Embeds {{embed ((b1))}}")))
    write(root / "b.ipynb", notebook(markdown("b1", "Embeds back {{embed ((a1))}}")))
    write(
        root / "refs.ipynb",
        notebook(
            markdown("r1", "See ((no-such-block)) and ((soon-gone))"),
            markdown("r2", "Read [[missing.ipynb]] and [[a.ipynb]]"),
        ),
    )
    write(root / "target.ipynb", notebook(markdown("soon-gone", "I will be deleted")))
    (root / "broken.ipynb").write_text("{ not json")
    # Given an index that saw soon-gone, then the cell was deleted
    assert cli("index", str(root)).returncode == 0
    write(root / "target.ipynb", notebook(markdown("t2", "Another cell")))
    shutil.copy(root / "target.ipynb", root / "target-copy.ipynb")

    result = cli("check", str(root), "--json")

    assert result.returncode == 1, result.stderr
    report = json.loads(result.stdout)
    assert [(b["path"], b["target"]) for b in report["broken"]] == [("refs.ipynb", "no-such-block")]
    assert [(d["target"], d["last_path"]) for d in report["deleted"]] == [
        ("soon-gone", "target.ipynb")
    ]
    assert [(n["target"], n["reason"]) for n in report["notebook_links"]] == [
        ("missing.ipynb", "no such notebook")
    ]
    assert report["duplicates"] == [
        {"path": "target-copy.ipynb", "original": "target.ipynb", "count": 1}
    ]
    assert [[b["id"] for b in cycle] for cycle in report["cycles"]] == [["a1", "b1"]]
    assert [s["path"] for s in report["skipped"]] == ["broken.ipynb"]
    assert report["failed"] is True

    # The text report says the same to a person
    text = cli("check", str(root)).stdout
    for expected in (
        "((no-such-block)) not found",
        "((soon-gone)) was deleted from target.ipynb",
        "[[missing.ipynb]] no such notebook",
        "target-copy.ipynb repeats 1 ids of target.ipynb",
        "a1 (a.ipynb) -> b1 (b.ipynb) -> a1 (a.ipynb)",
        "broken.ipynb: not valid JSON",
    ):
        assert expected in text


def test_check_passes_on_a_clean_folder(tmp_path: Path, cli: Cli):
    root = tmp_path / "demo"
    shutil.copytree(DEMO, root)
    result = cli("check", str(root))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Every reference resolves." in result.stdout


def test_show_backlinks_and_search(tmp_path: Path, cli: Cli):
    root = tmp_path / "demo"
    shutil.copytree(DEMO, root)
    shown = cli("show", "sales-plot", f"--root={root}")
    assert shown.returncode == 0
    assert "data/sales.ipynb cell" in shown.stdout and "[outputs:" in shown.stdout
    links = json.loads(cli("backlinks", "sales-plot", f"--root={root}", "--json").stdout)
    assert {(b["path"], b["kind"]) for b in links["backlinks"]} == {
        ("report.ipynb", "ref"),
        ("report.ipynb", "embed"),
        ("notes/index.ipynb", "ref"),
    }
    found = json.loads(cli("search", "seasonal", "index", f"--root={root}", "--json").stdout)
    assert "season-index" in [r["id"] for r in found["results"]]
    missing = cli("show", "nope", f"--root={root}")
    assert missing.returncode == 1 and "block not found: nope" in missing.stderr
