"""The pytest plugin (jupyter_blocks.pytest_plugin) used as another project uses it: a
project of its own in a temporary folder, its own conftest and tests, run by a separate
pytest process that loads the plugin by the name of its ``pytest11`` entry point."""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
from pathlib import Path

from helpers import REPO

# A third party's conftest: fills the root before the server starts, with notebooks in
# nbformat's on-disk shape (sources as lists of lines).
CONFTEST = """
import json

import pytest


def cell(cell_id, cell_type, lines):
    cell = {"id": cell_id, "cell_type": cell_type, "metadata": {}, "source": lines}
    if cell_type == "code":
        cell.update(execution_count=None, outputs=[])
    return cell


def notebook(*cells):
    return {
        "nbformat": 4,
        "nbformat_minor": 5,
        "metadata": {"kernelspec": {"name": "python3", "display_name": "Python 3"}},
        "cells": list(cells),
    }


@pytest.fixture
def blocks_root(blocks_root):
    (blocks_root / "analysis").mkdir()
    (blocks_root / "analysis" / "sales.ipynb").write_text(json.dumps(notebook(
        cell("intro", "markdown", ["# Sales\\n", "\\n", "Monthly sales by region."]),
        cell("load", "code", ["#| label: load-sales\\n", "import json\\n", "rows = []"]),
    )))
    (blocks_root / "report.ipynb").write_text(json.dumps(notebook(
        cell("summary", "markdown", ["We load the data in ((load-sales)).\\n", "\\n",
                                      "{{embed ((intro))}}"]),
    )))
    return blocks_root
"""

TESTS = """
import pytest
from jupyter_blocks.pytest_plugin import BlocksHTTPError


def test_blocks_by_id_and_label(blocks_index):
    block = blocks_index.get("block/load-sales")
    assert block["id"] == "load"
    assert (block["label"], block["path"]) == ("load-sales", "analysis/sales.ipynb")
    backlinks = blocks_index.get("backlinks/load")["backlinks"]
    assert [(b["id"], b["path"]) for b in backlinks] == [("summary", "report.ipynb")]
    hits = blocks_index.get("search", q="monthly")["results"]
    assert [hit["id"] for hit in hits] == ["intro"]


def test_a_notebook_saved_later_is_indexed(blocks_server, blocks_client, blocks_root):
    assert blocks_server.root == blocks_root
    blocks_client.save_notebook("later.ipynb", {
        "nbformat": 4, "nbformat_minor": 5, "metadata": {},
        "cells": [{"id": "late", "cell_type": "markdown", "metadata": {},
                   "source": ["See ((intro))."]}],
    })
    status = blocks_client.wait_ready()
    assert status["notebooks"] == 3
    backlinks = blocks_client.get("backlinks/intro")["backlinks"]
    assert sorted(b["id"] for b in backlinks) == ["late", "summary"]


def test_unknown_blocks_are_404(blocks_index):
    with pytest.raises(BlocksHTTPError) as error:
        blocks_index.get("block/nothing-here")
    assert error.value.code == 404
    assert "nothing-here" in error.value.message
"""


def test_another_project_uses_the_fixtures(tmp_path: Path) -> None:
    # Given a project of its own, with a conftest that fills the root and three tests
    project = tmp_path / "project"
    project.mkdir()
    (project / "conftest.py").write_text(CONFTEST)
    (project / "test_notebooks.py").write_text(TESTS)
    ini = "[pytest]\nfilterwarnings =\n    error\n"
    if importlib.util.find_spec("pytest_asyncio") is not None:
        # As a project with pytest-asyncio installed sets it (pytest stops otherwise)
        ini += "asyncio_default_fixture_loop_scope = function\n"
    (project / "pytest.ini").write_text(ini)
    # When its own pytest runs them, loading the plugin by its entry point's name (also
    # loaded by the entry point itself when jupyter-blocks is installed)
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-p",
            "jupyter_blocks.pytest_plugin",
            "-p",
            "no:cacheprovider",
            "-q",
            "test_notebooks.py",
        ],
        cwd=project,
        env={**os.environ, "PYTHONPATH": os.pathsep.join([str(REPO), str(project)])},
        capture_output=True,
        text=True,
        timeout=300,
    )
    # Then they pass
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]
    assert "3 passed" in result.stdout
