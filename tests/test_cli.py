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
from helpers import copy_demo
from traitlets.utils.importstring import import_item

from jupyter_blocks.cli.app import BlocksApp


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
    assert [
        (d["path"], d["original"], d["count"], d["conclusive"]) for d in report["duplicates"]
    ] == [("target-copy.ipynb", "target.ipynb", 1, True)]
    assert "target-copy.ipynb" in report["duplicates"][0]["reason"]
    assert [[b["id"] for b in cycle] for cycle in report["cycles"]] == [["a1", "b1"]]
    assert [s["path"] for s in report["skipped"]] == ["broken.ipynb"]
    assert report["failed"] is True

    # The text report says the same to a person
    text = cli("check", str(root)).stdout
    for expected in (
        "refs.ipynb cell 1: ((no-such-block)) not found",
        "refs.ipynb cell 1: ((soon-gone)) was deleted from target.ipynb",
        "refs.ipynb cell 2: [[missing.ipynb]] no such notebook",
        "target-copy.ipynb repeats 1 ids of target.ipynb",
        "a1 (a.ipynb) -> b1 (b.ipynb) -> a1 (a.ipynb)",
        "broken.ipynb: not valid JSON",
    ):
        assert expected in text


def test_check_passes_on_a_clean_folder(tmp_path: Path, cli: Cli):
    root = tmp_path / "demo"
    copy_demo(root)
    result = cli("check", str(root))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Every reference resolves." in result.stdout


def test_show_backlinks_and_search(tmp_path: Path, cli: Cli):
    root = tmp_path / "demo"
    copy_demo(root)
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


def test_people_read_cells_counted_from_one(tmp_path: Path, cli: Cli):
    # Given the demo, whose plot is the 4th cell of data/sales.ipynb (index 3 in JSON)
    root = tmp_path / "demo"
    copy_demo(root)
    shown = json.loads(cli("show", "sales-plot", f"--root={root}", "--json").stdout)
    assert shown["index"] == 3
    # Then the text says "cell 4", as JupyterLab's status bar does ("Cell 4/5")
    text = cli("show", "sales-plot", f"--root={root}").stdout
    assert text.startswith("sales-plot  data/sales.ipynb cell 4 (code)\n")
    # And so do backlinks and search, line by line with their JSON
    links = json.loads(cli("backlinks", "sales-plot", f"--root={root}", "--json").stdout)
    lines = cli("backlinks", "sales-plot", f"--root={root}").stdout.splitlines()
    assert [line.split(":")[0] for line in lines] == [
        f"{b['path']} cell {b['index'] + 1} ({b['kind']})" for b in links["backlinks"]
    ]
    hits = json.loads(cli("search", "seasonal", f"--root={root}", "--json").stdout)["results"]
    lines = cli("search", "seasonal", f"--root={root}").stdout.splitlines()
    assert [line.split(":")[0] for line in lines] == [
        f"{h['id']}  {h['path']} cell {h['index'] + 1}" for h in hits
    ]


@pytest.mark.parametrize("flag", ["--help", "-h"])
@pytest.mark.parametrize("subcommand", sorted(BlocksApp.subcommands))
def test_every_subcommand_prints_its_help(subcommand: str, flag: str, tmp_path: Path):
    # The top-level help tells users to run this: it must answer, not crash
    result = subprocess.run(
        [sys.executable, "-m", "jupyter_blocks.cli", subcommand, flag],
        env={**os.environ, "JUPYTER_CONFIG_DIR": str(tmp_path), "JUPYTER_DATA_DIR": str(tmp_path)},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    app = BlocksApp.subcommands[subcommand][0]
    if isinstance(app, str):  # a subcommand named by its import string
        app = import_item(app)
    assert isinstance(app, type)
    assert " ".join(app.description.split())[:40] in " ".join(result.stdout.split())
    for option in ("--root=", "--db=", "--json", "--no-refresh"):
        assert option in result.stdout
    assert f"jupyter blocks {subcommand} " in result.stdout  # an example of its use


def test_the_top_level_help_names_every_subcommand(tmp_path: Path):
    for args in (["--help"], ["--help-all"], ["show", "--help-all"]):
        result = subprocess.run(
            [sys.executable, "-m", "jupyter_blocks.cli", *args],
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert result.returncode == 0, (args, result.stderr)
    assert all(name in result.stdout for name in ("db_path", "BlocksCommand.root"))
