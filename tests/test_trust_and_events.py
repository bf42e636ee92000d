"""Trust comes from Jupyter's signatures; changes are announced on the event bus; hidden
files stay out of the index."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import nbformat
import pytest
from helpers import DEMO, copy_demo


@pytest.fixture
def demo_root(jp_root_dir: Path) -> Path:
    copy_demo(jp_root_dir)
    return jp_root_dir


async def test_trust_comes_from_the_signature_not_the_file(demo_root, blocks, jp_serverapp):
    await blocks.ready()
    # A "trusted" flag forged on disk is ignored
    path = demo_root / "analysis" / "seasonality.ipynb"
    nb = nbformat.read(path, as_version=4)
    for cell in nb.cells:
        cell.metadata["trusted"] = True
    nb.metadata["trusted"] = True
    nbformat.write(nb, path)
    await blocks.until(
        lambda: _is(blocks, "season-plot", lambda b: b["trusted"] is False and b["outputs"])
    )
    # When the user trusts the notebook (Jupyter signs it for this user)
    jp_serverapp.contents_manager.notary.sign(nbformat.read(path, as_version=4))
    # Then its blocks are served as trusted
    block = await blocks.get("block", "season-plot")
    assert block["trusted"] is True
    # And another notebook stays untrusted
    assert (await blocks.get("block", "sales-plot"))["trusted"] is False


async def _is(blocks, block_id, check):
    return check(await blocks.get("block", block_id))


async def test_a_save_is_announced_on_the_event_bus(demo_root, blocks, jp_fetch, jp_ws_fetch):
    await blocks.ready()
    ws = await jp_ws_fetch("api", "events", "subscribe")
    try:
        model = json.loads((await jp_fetch("api", "contents", "data/sales.ipynb")).body)
        nb = model["content"]
        nb["cells"][0]["source"] = "# Sales, edited"
        await jp_fetch(
            "api",
            "contents",
            "data/sales.ipynb",
            method="PUT",
            body=json.dumps({"type": "notebook", "format": "json", "content": nb}),
        )
        edited = nb["cells"][0]["id"]
        while True:
            event = json.loads(await asyncio.wait_for(ws.read_message(), 10))
            if event["schema_id"].endswith("/blocks/v1") and event.get("action") == "changed":
                break
        assert event["paths"] == ["data/sales.ipynb"]
        assert event["ids"] == [edited]
    finally:
        ws.close()


async def test_many_notebooks_arriving_at_once_announce_progress(demo_root, blocks, jp_ws_fetch):
    await blocks.ready()
    ws = await jp_ws_fetch("api", "events", "subscribe")
    try:
        # Given 100 notebooks written out of sight, then moved in at once
        staging = demo_root / ".staging"
        staging.mkdir()
        for n in range(100):
            nb = nbformat.v4.new_notebook()
            nb.cells = [nbformat.v4.new_markdown_cell(f"note {n}", id=f"note-{n}")]
            nbformat.write(nb, staging / f"note-{n:03}.ipynb")
        staging.rename(demo_root / "arrived")
        # Then progress is announced from 0 of 100 up to 100 of 100
        progress = []
        while not progress or progress[-1]["done"] < progress[-1]["total"]:
            event = json.loads(await asyncio.wait_for(ws.read_message(), 30))
            if event["schema_id"].endswith("/blocks/v1") and event.get("action") == "progress":
                progress.append(event)
        assert (progress[0]["done"], progress[0]["total"]) == (0, 100)
        assert (progress[-1]["done"], progress[-1]["total"]) == (100, 100)
        assert (await blocks.get("block", "note-99"))["path"] == "arrived/note-099.ipynb"
    finally:
        ws.close()


@pytest.fixture
def hidden_root(demo_root: Path) -> Path:
    secret = json.loads((demo_root / "notes" / "index.ipynb").read_text())
    secret["cells"][0]["source"] = "classified zebra text"
    secret["cells"][0]["id"] = "secret-cell"
    for folder in (".hidden", ".ipynb_checkpoints", "node_modules/pkg", "env-dir"):
        (demo_root / folder).mkdir(parents=True)
        (demo_root / folder / "secret.ipynb").write_text(json.dumps(secret))
    (demo_root / "env-dir" / "pyvenv.cfg").write_text("home = /usr/bin\n")
    (demo_root / ".secret.ipynb").write_text(json.dumps(secret))
    return demo_root


async def test_hidden_and_tool_folders_are_not_indexed(hidden_root, blocks):
    status = await blocks.ready()
    assert status["notebooks"] == len(list(DEMO.rglob("*.ipynb")))
    assert (await blocks.get("search", q="zebra"))["results"] == []
    code, _ = await blocks.error("block", "secret-cell")
    assert code == 404
