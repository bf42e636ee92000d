"""Broken notebooks are skipped with a reason the user can see; the server keeps serving."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from helpers import copy_demo

V3_NOTEBOOK = {
    "nbformat": 3,
    "nbformat_minor": 0,
    "metadata": {"name": "old"},
    "worksheets": [
        {
            "metadata": {},
            "cells": [
                {"cell_type": "markdown", "metadata": {}, "source": "An ancient notebook text"},
                {
                    "cell_type": "code",
                    "input": "print('hello from v3')",
                    "language": "python",
                    "metadata": {},
                    "outputs": [],
                },
            ],
        }
    ],
}


def notebook(cells: list[dict]) -> dict:
    return {"nbformat": 4, "nbformat_minor": 5, "metadata": {}, "cells": cells}


@pytest.fixture
def broken_root(jp_root_dir: Path) -> Path:
    copy_demo(jp_root_dir)
    bad = jp_root_dir / "bad"
    bad.mkdir()
    (bad / "invalid.ipynb").write_text("{ this is not json")
    good = (jp_root_dir / "report.ipynb").read_text()
    (bad / "truncated.ipynb").write_text(good[: len(good) // 2])
    (bad / "not-a-notebook.ipynb").write_text(json.dumps({"hello": "world"}))
    (bad / "a-list.ipynb").write_text("[1, 2, 3]")
    (bad / "empty.ipynb").write_text("")
    (bad / "old.ipynb").write_text(json.dumps(V3_NOTEBOOK))
    big_output = {"output_type": "stream", "name": "stdout", "text": "x" * (50 * 2**20)}
    (bad / "huge-output.ipynb").write_text(
        json.dumps(
            notebook(
                [
                    {
                        "cell_type": "code",
                        "id": "huge-cell",
                        "metadata": {},
                        "execution_count": 1,
                        "source": "print('a very large output')",
                        "outputs": [big_output],
                    }
                ]
            )
        )
    )
    return jp_root_dir


async def test_each_broken_notebook_is_skipped_with_a_reason(broken_root, blocks):
    status = await blocks.ready()
    reasons = {s["path"]: s["reason"] for s in status["skipped"]}
    assert reasons["bad/invalid.ipynb"].startswith("not valid JSON")
    assert reasons["bad/truncated.ipynb"].startswith("not valid JSON")
    assert reasons["bad/not-a-notebook.ipynb"].startswith("not a notebook")
    assert reasons["bad/a-list.ipynb"].startswith("not a notebook")
    assert reasons["bad/empty.ipynb"] == "empty file"
    assert set(reasons) == {
        "bad/invalid.ipynb",
        "bad/truncated.ipynb",
        "bad/not-a-notebook.ipynb",
        "bad/a-list.ipynb",
        "bad/empty.ipynb",
    }
    # And the server keeps answering for the good notebooks
    assert (await blocks.get("block", "sales-plot"))["path"] == "data/sales.ipynb"


async def test_nbformat_3_is_converted(broken_root, blocks):
    await blocks.ready()
    found = await blocks.get("search", q="ancient notebook")
    assert [(r["path"], r["id"]) for r in found["results"]] == [("bad/old.ipynb", None)]
    code = await blocks.get("search", q="hello from v3")
    assert code["results"][0]["cell_type"] == "code"


async def test_a_50_mb_output_is_indexed_without_stalling(broken_root, blocks):
    await blocks.ready()
    found = await blocks.get("search", q="very large output")
    assert [r["id"] for r in found["results"]] == ["huge-cell"]


@pytest.fixture
def small_limit_config(jp_server_config: dict) -> dict:
    jp_server_config["BlocksExtension"]["max_notebook_size"] = 100_000
    return jp_server_config


async def test_a_notebook_over_the_size_limit_is_skipped(small_limit_config, broken_root, blocks):
    status = await blocks.ready()
    reasons = {s["path"]: s["reason"] for s in status["skipped"]}
    assert reasons["bad/huge-output.ipynb"].startswith("too large")
    assert "max_notebook_size" in reasons["bad/huge-output.ipynb"]
    assert "data/sales.ipynb" not in reasons
