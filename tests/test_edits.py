"""The index follows edits: through Jupyter's contents API and directly on disk."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from helpers import copy_demo

# Every test here runs on the SQLite store and on the PostgreSQL store.
pytestmark = pytest.mark.both_stores


@pytest.fixture
def demo_root(jp_root_dir: Path) -> Path:
    copy_demo(jp_root_dir)
    return jp_root_dir


async def contents(jp_fetch, path: str, method: str = "GET", body=None):
    kwargs = {"method": method}
    if body is not None:
        kwargs["body"] = json.dumps(body)
    response = await jp_fetch("api", "contents", path, **kwargs)
    return json.loads(response.body) if response.body else None


async def test_saving_through_jupyter_updates_blocks_and_backlinks(demo_root, blocks, jp_fetch):
    await blocks.ready()
    # Given the notes notebook, opened as JupyterLab does
    model = await contents(jp_fetch, "notes/index.ipynb")
    nb = model["content"]
    # When a user adds a reference to season-data and saves
    nb["cells"].append(
        {
            "cell_type": "markdown",
            "id": "notes-new",
            "metadata": {},
            "source": "A fresh thought about ((season-data)) and [[report.ipynb]]",
        }
    )
    await contents(
        jp_fetch,
        "notes/index.ipynb",
        method="PUT",
        body={"type": "notebook", "format": "json", "content": nb},
    )

    # Then the new block and its backlink are served without a restart
    async def indexed():
        return ("notes-new", "notes/index.ipynb", "ref") in await blocks.backlink_set("season-data")

    assert await blocks.until(indexed)
    block = await blocks.get("block", "notes-new")
    assert block["source"].startswith("A fresh thought")
    found = await blocks.get("search", q="fresh thought")
    assert [r["id"] for r in found["results"]] == ["notes-new"]


async def test_renaming_keeps_references_resolving(demo_root, blocks, jp_fetch):
    await blocks.ready()
    # When the data notebook is renamed through Jupyter
    await contents(
        jp_fetch, "data/sales.ipynb", method="PATCH", body={"path": "data/sales-2024.ipynb"}
    )

    # Then its blocks resolve at the new path, and their backlinks are unchanged
    async def moved():
        block = await blocks.get("block", "sales-plot")
        return block if block["path"] == "data/sales-2024.ipynb" else None

    block = await blocks.until(moved)
    assert block["deleted"] is False
    assert ("report-trend", "report.ipynb", "embed") in await blocks.backlink_set("sales-plot")
    found = await blocks.get("search", q="sales")
    assert all(r["path"] != "data/sales.ipynb" for r in found["results"])


async def test_deleting_removes_blocks_from_search(demo_root, blocks, jp_fetch):
    await blocks.ready()
    assert (await blocks.get("search", q="knowledge"))["results"]
    before = (await blocks.get("status"))["notebooks"]
    # When the notes notebook is deleted through Jupyter
    await contents(jp_fetch, "notes/index.ipynb", method="DELETE")

    # Then nothing of it is found, and its references no longer count
    async def removed():
        return (await blocks.get("status"))["notebooks"] == before - 1

    assert await blocks.until(removed)
    found = await blocks.get("search", q="notes")
    assert all(not r["path"].startswith("notes/") for r in found["results"])
    assert all(p != "notes/index.ipynb" for _, p, _ in await blocks.backlink_set("sales-plot"))


async def test_a_notebook_written_on_disk_is_picked_up(demo_root, blocks):
    await blocks.ready()
    # When another program (git, a terminal) writes a notebook under the root
    nb = json.loads((demo_root / "notes" / "index.ipynb").read_text())
    nb["cells"] = [
        {"cell_type": "markdown", "id": "from-disk", "metadata": {}, "source": "See ((sales-load))"}
    ]
    target = demo_root / "outside" / "written.ipynb"
    target.parent.mkdir()
    target.write_text(json.dumps(nb))

    # Then, without a restart, its block and reference are served
    async def picked_up():
        return ("from-disk", "outside/written.ipynb", "ref") in await blocks.backlink_set(
            "sales-load"
        )

    assert await blocks.until(picked_up)

    # And moving it with mv (outside Jupyter) keeps it resolving at its new place
    os.rename(target, demo_root / "moved.ipynb")

    async def moved():
        reply = await blocks.post("resolve", body={"ids": ["from-disk"]})
        block = reply["blocks"]["from-disk"]
        return block and block["path"] == "moved.ipynb" and not block["deleted"]

    assert await blocks.until(moved)


async def test_a_deleted_block_leaves_a_tombstone_that_heals(demo_root, blocks, jp_fetch):
    await blocks.ready()
    model = await contents(jp_fetch, "data/sales.ipynb")
    nb = model["content"]
    kept = [c for c in nb["cells"] if c["id"] != "summary-table"]
    removed = next(c for c in nb["cells"] if c["id"] == "summary-table")
    save = {"type": "notebook", "format": "json"}
    await contents(
        jp_fetch, "data/sales.ipynb", method="PUT", body={**save, "content": {**nb, "cells": kept}}
    )

    # The reference now answers "deleted", with the last known source and place
    async def deleted():
        block = await blocks.get("block", "summary-table")
        return block if block["deleted"] else None

    block = await blocks.until(deleted)
    assert block["path"] == "data/sales.ipynb"
    assert block["source"] == removed["source"]
    # Undo: the cell comes back with the same id, and the reference heals
    await contents(jp_fetch, "data/sales.ipynb", method="PUT", body={**save, "content": nb})

    async def healed():
        block = await blocks.get("block", "summary-table")
        return block if not block["deleted"] else None

    assert (await blocks.until(healed))["outputs"]


async def test_backlinks_follow_a_renamed_referencing_notebook(demo_root, blocks, jp_fetch):
    await blocks.ready()
    # When the notebook that holds the references is renamed, in Jupyter then with mv
    await contents(jp_fetch, "report.ipynb", method="PATCH", body={"path": "report-2026.ipynb"})

    async def follows(path: str):
        return ("report-trend", path, "embed") in await blocks.backlink_set("sales-plot")

    assert await blocks.until(lambda: follows("report-2026.ipynb"))
    os.rename(demo_root / "report-2026.ipynb", demo_root / "notes" / "report.ipynb")
    assert await blocks.until(lambda: follows("notes/report.ipynb"))
    # Then no backlink points at an old path
    paths = {p for _, p, _ in await blocks.backlink_set("sales-plot")}
    assert paths == {"notes/report.ipynb", "notes/index.ipynb"}


async def test_a_notebook_broken_on_disk_keeps_its_blocks_while_written_then_says_why(
    demo_root, blocks
):
    await blocks.ready()
    # When a notebook is overwritten with something that is not JSON (a merge conflict)
    target = demo_root / "notes" / "index.ipynb"
    target.write_text("<<<<<<< HEAD\n{ broken")

    # Then, once the writer is surely done, it is reported as skipped with the reason
    async def skipped():
        status = await blocks.get("status")
        return {s["path"]: s["reason"] for s in status["skipped"]}.get("notes/index.ipynb")

    reason = await blocks.until(skipped, timeout=20)
    assert reason.startswith("not valid JSON")
