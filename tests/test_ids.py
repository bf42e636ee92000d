"""Ids that never dangle: ensure-id writes ids losslessly, duplicates are found and fixed."""

from __future__ import annotations

import json
import shutil
import time
from pathlib import Path
from typing import Any

import nbformat
import pytest
from helpers import PDSH, copy_demo, copy_fixtures, copy_pdsh, jupyter_server

# An nbformat 4.4 notebook: no cell ids, outputs as Jupyter writes them.
ID_LESS = "archive/survey-4.4.ipynb"


@pytest.fixture
def pdsh_root(jp_root_dir: Path) -> Path:
    copy_pdsh(jp_root_dir)
    return jp_root_dir


@pytest.fixture
def fixtures_root(jp_root_dir: Path) -> Path:
    copy_fixtures(jp_root_dir)
    return jp_root_dir


def joined(value: Any, key: str = "", mime: bool = False) -> Any:
    """JSON with multiline strings joined: a file may hold a source as a list of lines or
    as one string, and both mean the same."""
    if isinstance(value, list) and (mime or key in ("source", "text")):
        return "".join(value)
    if isinstance(value, dict):
        return {
            k: joined(v, k, mime=key in ("data",) or key == "attachments_item")
            for k, v in value.items()
        }
    if isinstance(value, list):
        return [joined(v) for v in value]
    return value


def without_ids(nb: dict) -> dict:
    nb = json.loads(json.dumps(nb))
    nb.pop("nbformat_minor")
    for cell in nb["cells"]:
        cell.pop("id", None)
        cell.get("metadata", {}).pop("trusted", None)
    return joined(nb)


async def assert_round_trip(root: Path, path: str, original: dict, blocks) -> None:
    """ensure-id on the first cell of ``path`` (the file as ``original`` was): the notebook
    becomes nbformat 4.5 with an id on every cell and is otherwise unchanged."""
    if not original["cells"]:
        code, _ = await blocks.error("ensure-id", method="POST", body={"path": path, "index": 0})
        assert code == 400  # no cell to give an id to
        return
    # When a reference to its first cell is asked for
    reply = await blocks.post("ensure-id", body={"path": path, "index": 0})
    # Then the notebook is upgraded to 4.5 with an id for every cell...
    result = json.loads((root / path).read_text())
    assert result["nbformat"] == 4 and result["nbformat_minor"] == 5
    ids = [cell["id"] for cell in result["cells"]]
    assert len(set(ids)) == len(ids) and all(ids)
    assert reply["id"] == ids[0]
    assert reply["written"] == ("id" not in original["cells"][0])
    # ...and is otherwise equal to the original: outputs, metadata, attachments
    assert without_ids(result) == without_ids(original), path
    # And the id resolves at once
    block = await blocks.get("block", reply["id"])
    assert (block["path"], block["index"]) == (path, 0)


async def test_every_fixture_notebook_round_trips_through_ensure_id(fixtures_root, blocks):
    # Given notebooks of nbformat 4.0, 4.1, 4.4 and 4.5 (PNG, SVG, JSON, HTML table,
    # attachments, errors, stream text, all as lists of lines)
    await blocks.ready()
    for original_path in sorted(fixtures_root.rglob("*.ipynb")):
        path = str(original_path.relative_to(fixtures_root))
        before = original_path.read_bytes()
        original = json.loads(before)
        if original["nbformat"] == 3:
            # An nbformat 3 notebook is not rewritten (JupyterLab upgrades it on save)
            code, _ = await blocks.error(
                "ensure-id", method="POST", body={"path": path, "index": 0}
            )
            assert code in (400, 409)
            assert original_path.read_bytes() == before
            continue
        await assert_round_trip(fixtures_root, path, original, blocks)


async def test_every_pdsh_notebook_round_trips_through_ensure_id(pdsh_root, blocks):
    await blocks.ready()
    for original_path in sorted(PDSH.glob("*.ipynb")):
        original = json.loads(original_path.read_text())
        await assert_round_trip(pdsh_root, original_path.name, original, blocks)


async def test_an_existing_id_is_not_written_again(fixtures_root, blocks):
    await blocks.ready()
    first = await blocks.post("ensure-id", body={"path": ID_LESS, "index": 3})
    stamp = (fixtures_root / ID_LESS).stat().st_mtime_ns
    again = await blocks.post("ensure-id", body={"path": ID_LESS, "index": 3})
    assert again == {**first, "written": False}
    assert (fixtures_root / ID_LESS).stat().st_mtime_ns == stamp


async def test_ensure_id_survives_a_restart(fixtures_root, blocks, tmp_path):
    await blocks.ready()
    reply = await blocks.post("ensure-id", body={"path": ID_LESS, "index": 1})
    # A new server on the same folder, with a new index, resolves the same id
    with jupyter_server(fixtures_root, tmp_path, tmp_path / "other.sqlite") as get:
        block = get(f"block/{reply['id']}")
    assert (block["path"], block["index"]) == (ID_LESS, 1)
    assert "Transit planets discovered" in block["source"]


async def test_ensure_id_keeps_a_trusted_notebook_trusted(fixtures_root, blocks, jp_serverapp):
    await blocks.ready()
    name = "archive/survey-4.1.ipynb"
    jp_serverapp.contents_manager.notary.sign(nbformat.read(fixtures_root / name, as_version=4))
    reply = await blocks.post("ensure-id", body={"path": name, "index": 1})
    assert reply["written"] is True
    assert (await blocks.get("block", reply["id"]))["trusted"] is True


async def test_ensure_id_refuses_what_it_cannot_do_safely(fixtures_root, blocks):
    await blocks.ready()
    before = (fixtures_root / ID_LESS).read_bytes()
    # A stale open document: the file changed since it was opened
    code, message = await blocks.error(
        "ensure-id",
        method="POST",
        body={"path": ID_LESS, "index": 0, "last_modified": "2001-01-01T00:00:00Z"},
    )
    assert code == 409 and "changed on disk" in message
    # No such cell, not a notebook, outside the root, hidden
    code, message = await blocks.error(
        "ensure-id", method="POST", body={"path": ID_LESS, "index": 999}
    )
    assert code == 400 and "999" in message
    code, _ = await blocks.error("ensure-id", method="POST", body={"path": "x.txt", "index": 0})
    assert code == 400
    for path in ("../outside.ipynb", ".hidden.ipynb", "missing.ipynb"):
        code, _ = await blocks.error("ensure-id", method="POST", body={"path": path, "index": 0})
        assert code in (400, 404), path
    code, _ = await blocks.error("ensure-id", method="POST", body={"path": ID_LESS})
    assert code == 400
    assert (fixtures_root / ID_LESS).read_bytes() == before


async def test_ensure_id_uses_the_ids_of_the_open_document(fixtures_root, blocks):
    await blocks.ready()
    name = "archive/survey-4.0.ipynb"
    cells = json.loads((fixtures_root / name).read_text())["cells"]
    open_ids = [f"open-{i}" for i in range(len(cells))]
    reply = await blocks.post("ensure-id", body={"path": name, "index": 1, "cell_ids": open_ids})
    assert reply["id"] == "open-1"
    written = [c["id"] for c in json.loads((fixtures_root / name).read_text())["cells"]]
    assert written == open_ids


@pytest.fixture
def copied_root(jp_root_dir: Path) -> Path:
    copy_demo(jp_root_dir)
    time.sleep(0.01)  # the copy is newer, as with cp
    shutil.copy(jp_root_dir / "data" / "sales.ipynb", jp_root_dir / "data" / "sales-copy.ipynb")
    return jp_root_dir


async def test_a_copied_notebook_is_reported_and_fixed_in_one_step(copied_root, blocks):
    status = await blocks.ready()
    original_bytes = (copied_root / "data" / "sales.ipynb").read_bytes()
    cells = len(json.loads(original_bytes)["cells"])
    # The copy is reported, and references resolve to the original
    assert status["duplicates"] == [
        {
            "path": "data/sales-copy.ipynb",
            "original": "data/sales.ipynb",
            "count": cells,
            "reason": "sales-copy.ipynb is named as a copy of sales.ipynb",
            "conclusive": True,
        }
    ]
    assert (await blocks.get("block", "sales-plot"))["path"] == "data/sales.ipynb"
    backlinks_before = await blocks.backlink_set("sales-plot")
    # Reassigning the original is refused, naming the copy
    code, message = await blocks.error(
        "reassign-ids", method="POST", body={"path": "data/sales.ipynb"}
    )
    assert code == 409 and "data/sales-copy.ipynb" in message
    # When the copy gets fresh ids
    reply = await blocks.post("reassign-ids", body={"path": "data/sales-copy.ipynb"})
    assert len(reply["reassigned"]) == cells
    status = await blocks.ready()
    # Then nothing is duplicated, the original and its references are untouched
    assert status["duplicates"] == []
    assert (copied_root / "data" / "sales.ipynb").read_bytes() == original_bytes
    assert (await blocks.get("block", "sales-plot"))["path"] == "data/sales.ipynb"
    assert await blocks.backlink_set("sales-plot") == backlinks_before
    # And the copy's cells resolve under their new ids
    new = reply["reassigned"][0]["new"]
    assert (await blocks.get("block", new))["path"] == "data/sales-copy.ipynb"
    # Asking again has nothing left to do
    assert (await blocks.post("reassign-ids", body={"path": "data/sales-copy.ipynb"}))[
        "reassigned"
    ] == []
