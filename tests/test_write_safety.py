"""Writing ids (issue 16, section 2): never the wrong cell, never outside the root,
never over newer work; odd ids and bad bodies get a clear 4xx, never a 500."""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import nbformat
import pytest
from faultkit import ANSWER_WITHIN
from helpers import DEMO

from jupyter_blocks.notebooks.ids import valid_id


@pytest.fixture
def demo_root(jp_root_dir: Path) -> Path:
    shutil.copytree(DEMO, jp_root_dir, dirs_exist_ok=True)
    return jp_root_dir


def without_ids(nb: dict[str, Any]) -> dict[str, Any]:
    """A notebook's meaning but its cell ids and format minor version, sources joined
    (a file may hold them as one string or as lines)."""
    nb = json.loads(json.dumps(nb))
    nb.pop("nbformat_minor", None)
    for cell in nb["cells"]:
        cell.pop("id", None)
        if isinstance(cell.get("source"), list):
            cell["source"] = "".join(cell["source"])
    return nb


def notebook(cells: list[dict[str, Any]], minor: int = 5) -> dict[str, Any]:
    return {"cells": cells, "metadata": {}, "nbformat": 4, "nbformat_minor": minor}


def markdown(text: str, **extra: Any) -> dict[str, Any]:
    return {"cell_type": "markdown", "metadata": {}, "source": [text + "\n", "more"], **extra}


async def test_ensure_id_on_a_copied_notebook_hands_out_the_copys_own_id(demo_root, blocks):
    # Given a copy of a notebook (cp: every cell id repeated), indexed after it
    time.sleep(0.01)
    shutil.copy(demo_root / "data" / "sales.ipynb", demo_root / "data" / "sales-copy.ipynb")
    await blocks.ready()
    original = (demo_root / "data" / "sales.ipynb").read_bytes()
    copied = json.loads((demo_root / "data" / "sales-copy.ipynb").read_text())
    repeated = copied["cells"][1]["id"]
    # When a reference to the copy's cell is asked for
    reply = await blocks.post("ensure-id", body={"path": "data/sales-copy.ipynb", "index": 1})
    # Then the copy's cell gets an id of its own, through a lossless write
    assert reply["written"] is True and reply["id"] != repeated and valid_id(reply["id"])
    after = json.loads((demo_root / "data" / "sales-copy.ipynb").read_text())
    assert after["cells"][1]["id"] == reply["id"]
    assert [c["id"] for i, c in enumerate(after["cells"]) if i != 1] == [
        c["id"] for i, c in enumerate(copied["cells"]) if i != 1
    ]
    assert without_ids(after) == without_ids(copied)
    # And it resolves to the very cell asked for, while the original is untouched
    block = await blocks.get("block", reply["id"])
    assert (block["path"], block["index"]) == ("data/sales-copy.ipynb", 1)
    assert (demo_root / "data" / "sales.ipynb").read_bytes() == original
    assert (await blocks.get("block", repeated))["path"] == "data/sales.ipynb"
    # Asking again hands out the same id, without writing
    again = await blocks.post("ensure-id", body={"path": "data/sales-copy.ipynb", "index": 1})
    assert again == {**reply, "written": False}


async def test_ensure_id_on_an_id_held_twice_in_one_notebook(demo_root, blocks):
    path = demo_root / "twice.ipynb"
    path.write_text(
        json.dumps(notebook([markdown("first", id="same"), markdown("second", id="same")]))
    )
    await blocks.ready()
    # The first holder keeps the id: it is the one the id resolves to
    first = await blocks.post("ensure-id", body={"path": "twice.ipynb", "index": 0})
    assert first == {"id": "same", "path": "twice.ipynb", "index": 0, "written": False}
    # The second gets its own, and both resolve to themselves
    second = await blocks.post("ensure-id", body={"path": "twice.ipynb", "index": 1})
    assert second["written"] is True and second["id"] != "same"
    for reply in (first, second):
        block = await blocks.get("block", reply["id"])
        assert (block["path"], block["index"]) == ("twice.ipynb", reply["index"])
    # The open document's ids, when it repeats them too, are not handed out either
    path.write_text(json.dumps(notebook([markdown("a", id="dup"), markdown("b", id="dup")])))
    await blocks.until(lambda: _indexed(blocks, "dup"))
    reply = await blocks.post(
        "ensure-id", body={"path": "twice.ipynb", "index": 1, "cell_ids": ["dup", "dup"]}
    )
    assert reply["id"] != "dup" and reply["written"] is True


async def _indexed(blocks: Any, block_id: str) -> bool:
    try:
        return (await blocks.get("block", block_id))["path"] == "twice.ipynb"
    except Exception:
        return False


@pytest.mark.parametrize("bad", [7, ["a", "b"], "has space", "", "x" * 65, {"id": "x"}, True])
async def test_a_cell_id_that_breaks_the_schema_gets_a_fresh_one(demo_root, blocks, bad):
    cells = [markdown("keep me", id="fine-id"), markdown("odd id", id=bad), markdown("none")]
    path = demo_root / "odd.ipynb"
    path.write_text(json.dumps(notebook(cells)))
    await blocks.ready()
    reply = await blocks.post("ensure-id", body={"path": "odd.ipynb", "index": 1})
    assert reply["written"] is True and valid_id(reply["id"])
    written = json.loads(path.read_text())
    nbformat.validate(nbformat.from_dict(written))
    assert written["cells"][0]["id"] == "fine-id"
    assert written["cells"][1]["id"] == reply["id"]
    assert without_ids(written) == without_ids(notebook(cells))
    block = await blocks.get("block", reply["id"])
    assert (block["path"], block["index"]) == ("odd.ipynb", 1)


@pytest.fixture
def outside(demo_root: Path) -> Path:
    """A notebook outside the root, id-less (a write would change it)."""
    target = demo_root.parent / "outside-secret.ipynb"
    target.write_text(json.dumps(notebook([markdown("outside")], minor=4)))
    return target


@pytest.mark.parametrize("swap", ["the notebook", "its folder"])
async def test_a_notebook_swapped_for_a_link_out_of_the_root_is_never_written(
    demo_root, blocks, outside, swap
):
    await blocks.ready()
    before = outside.read_bytes()
    # Given an indexed notebook replaced by a symlink to a file outside the root
    if swap == "the notebook":
        (demo_root / "report.ipynb").unlink()
        os.symlink(outside, demo_root / "report.ipynb")
        path = "report.ipynb"
    else:
        folder = demo_root.parent / "outside-folder"
        folder.mkdir()
        shutil.copy(outside, folder / "sales.ipynb")
        outside = folder / "sales.ipynb"
        before = outside.read_bytes()
        shutil.rmtree(demo_root / "data")
        os.symlink(folder, demo_root / "data")
        path = "data/sales.ipynb"
    # When ids are asked for there, however
    for route, body in (
        ("ensure-id", {"path": path, "index": 0}),
        ("ensure-id", {"path": path, "index": 0, "cell_ids": ["x-1"]}),
        ("reassign-ids", {"path": path}),
    ):
        code, message = await blocks.error(route, method="POST", body=body)
        # Then it is refused, saying why, and the outside file is byte for byte the same
        assert code in (403, 404), (route, code, message)
    assert outside.read_bytes() == before


@pytest.mark.parametrize(
    "body",
    [
        "[" * 100_000,
        '{"path": ' + "[" * 100_000 + "]" * 100_000 + ', "index": 0}',
        '{"ids": ' + "[" * 50_000,
        "[]",
        "1",
        '"text"',
        "null",
        '{"path": "report.ipynb", "index": 0',
        '{"ids": ["' + "x" * (5 * 2**20) + '"]}',
        b"\xff\xfe not utf-8",
    ],
    ids=[
        "deep",
        "deep-inside",
        "deep-unclosed",
        "list",
        "number",
        "string",
        "null",
        "cut",
        "huge",
        "bytes",
    ],
)
@pytest.mark.parametrize("route", ["resolve", "ensure-id", "reassign-ids"])
async def test_a_bad_body_is_a_clear_4xx(demo_root, blocks, jp_fetch, route, body):
    from tornado.httpclient import HTTPClientError

    await blocks.ready()
    started = time.monotonic()
    with pytest.raises(HTTPClientError) as error:
        await jp_fetch("api", "blocks", route, method="POST", body=body)
    assert error.value.code in (400, 413), error.value
    message = json.loads(error.value.response.body)["message"]
    assert "JSON" in message or "large" in message or "Send" in message
    assert time.monotonic() - started < ANSWER_WITHIN
    # and the server keeps answering
    assert (await blocks.get("status"))["state"] == "ready"


WRITER = r"""
import json, os, random, sys, time
path, stop_file = sys.argv[1], sys.argv[2]
give_up = time.monotonic() + 120  # never outlive a test that died
def version_on_disk():
    # A read may meet a write half done (ours or the server's): read again, a while.
    until = time.monotonic() + 0.5
    while time.monotonic() < until:
        try:
            with open(path) as f:
                return json.load(f)["metadata"]["version"]
        except (ValueError, KeyError, OSError):
            time.sleep(0.0005)
    return None  # left unreadable: two writes mixed
written = lost = mixed = 0
while not os.path.exists(stop_file) and time.monotonic() < give_up:
    seen = version_on_disk()
    if seen is None:
        mixed += 1
    elif seen < written:
        lost += 1  # a newer version was replaced by an older one
    written += 1
    nb = {"cells": [{"cell_type": "markdown", "metadata": {}, "source": ["v%d\n" % written, "x"]}
                    for _ in range(5)],
          "metadata": {"version": written}, "nbformat": 4, "nbformat_minor": 4}
    with open(path, "w") as f:  # in place, as Jupyter itself saves
        json.dump(nb, f)
    time.sleep(random.uniform(0.001, 0.005))
print(json.dumps({"written": written, "lost": lost, "mixed": mixed}))
"""


async def test_ensure_id_never_writes_over_a_newer_version(demo_root, blocks, tmp_path):
    path = demo_root / "busy.ipynb"
    path.write_text(
        json.dumps(notebook([markdown("v0")] * 5, minor=4) | {"metadata": {"version": 0}})
    )
    await blocks.ready()
    stop = tmp_path / "stop"
    # Given another program rewriting the notebook every few milliseconds
    writer = subprocess.Popen(
        [sys.executable, "-c", WRITER, str(path), str(stop)], stdout=subprocess.PIPE, text=True
    )
    codes: dict[int, int] = {}
    try:

        async def ask(i: int) -> None:
            started = time.monotonic()
            try:
                await blocks.post("ensure-id", body={"path": "busy.ipynb", "index": i % 5})
                code = 200
            except Exception as error:  # every failure is a status code here
                code = getattr(error, "code", 599)
            assert time.monotonic() - started < ANSWER_WITHIN
            codes[code] = codes.get(code, 0) + 1

        # When 400 ensure-id calls come meanwhile, four at a time
        for start in range(0, 400, 4):
            await asyncio.gather(*(ask(i) for i in range(start, start + 4)))
    finally:
        stop.write_text("stop")
        out, _ = writer.communicate(timeout=30)
    report = json.loads(out)
    # Then no newer version was ever replaced by an older one, and nothing failed
    assert report["lost"] == 0 and report["mixed"] == 0, (report, codes)
    assert set(codes) <= {200, 409}, codes
    assert report["written"] > 100
    # And once the other program is done, the ids are written, keeping its last version
    await asyncio.sleep(0.3)
    reply = await blocks.post("ensure-id", body={"path": "busy.ipynb", "index": 2})
    assert reply["written"] is True
    final = json.loads(path.read_text())
    assert final["metadata"]["version"] == report["written"]
    assert final["cells"][2]["id"] == reply["id"]
