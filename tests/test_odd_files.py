"""Files that are not what they seem (issue 16, section 4): a name that is not valid
UTF-8, a pipe, a link to itself or to nothing where a notebook should be, a folder
named like a notebook. Each odd entry is skipped (with its reason when it is a
notebook the server cannot index); the rest of the batch, the scan, the watcher, the
event stream and every request go on."""

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

import pytest
from faultkit import ANSWER_WITHIN, new_notebook
from helpers import DEMO, DEMO_NOTEBOOKS

BAD_NAME = b"caf\xe9.ipynb"  # Latin-1, not UTF-8
SHOWN_AS = "caf\\xe9.ipynb"  # how status and check show it


@pytest.fixture
def jp_server_config(jp_server_config: dict) -> dict:
    # Changes must reach the index through the watcher, not a periodic check.
    jp_server_config["BlocksExtension"]["poll_interval"] = 600.0
    return jp_server_config


def write_bad_name(folder: Path, cell_id: str) -> bytes:
    """A valid notebook under a name that is not UTF-8 (bytes paths, as a Latin-1
    system or an archive would leave it)."""
    nb = {
        "cells": [{"cell_type": "markdown", "id": cell_id, "metadata": {}, "source": ["odd\n"]}],
        "metadata": {},
        "nbformat": 4,
        "nbformat_minor": 5,
    }
    path = os.path.join(os.fsencode(folder), BAD_NAME)
    with open(path, "w") as f:
        json.dump(nb, f)
    return path


@pytest.fixture
def hundred(jp_root_dir: Path) -> Path:
    for n in range(100):
        new_notebook(jp_root_dir / f"nb-{n:03}.ipynb", f"cell-{n}", f"note {n}")
        # Oldest first: the scan takes them in this order, the odd one among the first
        os.utime(jp_root_dir / f"nb-{n:03}.ipynb", ns=(10**18 + n * 10**9,) * 2)
    bad = write_bad_name(jp_root_dir, "odd-cell")
    os.utime(bad, ns=(10**18 + 10 * 10**9 + 1,) * 2)
    return jp_root_dir


async def test_a_name_that_is_not_utf8_is_skipped_and_the_scan_goes_on(hundred, blocks, tmp_path):
    # Given 100 notebooks and one whose name is not UTF-8, in the first batch
    status = await blocks.ready(timeout=60)
    # Then every other notebook is indexed, and the odd one is listed with its reason
    assert status["notebooks"] == 100
    assert [s["path"] for s in status["skipped"]] == [SHOWN_AS]
    assert "UTF-8" in status["skipped"][0]["reason"]
    ids = [f"cell-{n}" for n in range(100)]
    served = (await blocks.post("resolve", body={"ids": ids}))["blocks"]
    assert all(served[i] is not None for i in ids)
    # And `jupyter blocks check` shows it too
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "jupyter_blocks.cli",
            "check",
            str(hundred),
            "--json",
            f"--db={tmp_path / 'check.sqlite'}",
        ],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "JUPYTER_DATA_DIR": str(tmp_path / "data")},
    )
    report = json.loads(result.stdout)
    assert [(s["path"], "UTF-8" in s["reason"]) for s in report["skipped"]] == [(SHOWN_AS, True)]


async def test_the_watcher_outlives_a_name_that_is_not_utf8(jp_root_dir, blocks, jp_ws_fetch):
    shutil.copytree(DEMO, jp_root_dir, dirs_exist_ok=True)
    await blocks.ready()
    ws = await jp_ws_fetch("api", "events", "subscribe")
    try:
        # Given a notebook with a name that is not UTF-8 appearing (the file watcher
        # cannot even decode its path)
        write_bad_name(jp_root_dir / "notes", "odd-cell")
        await asyncio.sleep(0.5)
        # When notebooks keep being added and edited
        new_notebook(jp_root_dir / "after.ipynb", "after-cell", "# Written after")
        # Then they are indexed, the odd one is listed, and the events keep coming
        await blocks.until(lambda: _source_is(blocks, "after-cell", "# Written after"))
        status = await blocks.until(lambda: _skipping(blocks, "notes/" + SHOWN_AS))
        assert status["notebooks"] == DEMO_NOTEBOOKS + 1
        await _changed_event(ws, "after.ipynb")
        new_notebook(jp_root_dir / "after.ipynb", "after-cell", "# Edited again")
        await blocks.until(lambda: _source_is(blocks, "after-cell", "# Edited again"))
        await _changed_event(ws, "after.ipynb")
    finally:
        ws.close()


async def _source_is(blocks: Any, block_id: str, start: str) -> bool:
    reply = (await blocks.post("resolve", body={"ids": [block_id]}))["blocks"][block_id]
    return reply is not None and reply["source"].startswith(start)


async def _skipping(blocks: Any, path: str) -> Any:
    status = await blocks.get("status")
    return status if any(s["path"] == path for s in status["skipped"]) else None


async def _changed_event(ws: Any, path: str) -> None:
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        event = json.loads(await asyncio.wait_for(ws.read_message(), 15))
        if event["schema_id"].endswith("/blocks/v1") and path in event.get("paths", []):
            return
    raise AssertionError(f"no changed event for {path}")


@pytest.fixture
def odd_root(jp_root_dir: Path) -> Path:
    shutil.copytree(DEMO, jp_root_dir, dirs_exist_ok=True)
    os.mkfifo(jp_root_dir / "pipe.ipynb")
    os.symlink("loop.ipynb", jp_root_dir / "loop.ipynb")  # a link to itself
    os.symlink("missing.ipynb", jp_root_dir / "dangling.ipynb")
    new_notebook(jp_root_dir / "folder.ipynb" / "inner.ipynb", "inner-cell", "inside a folder")
    new_notebook(jp_root_dir / "line\nbreak.ipynb", "break-cell", "a name with a line break")
    new_notebook(jp_root_dir / "back\\slash.ipynb", "slash-cell", "a name with a backslash")
    return jp_root_dir


async def test_odd_entries_never_stop_a_scan_nor_hang_a_request(odd_root, blocks):
    status = await blocks.ready()
    # The demo notebooks and the 3 real ones with odd names or places
    assert status["notebooks"] == DEMO_NOTEBOOKS + 3
    for block_id in ("inner-cell", "break-cell", "slash-cell", "sales-plot"):
        assert (await blocks.get("block", block_id))["deleted"] is False
    # Asking ids of what is not a notebook answers at once, with a 4xx
    for path in ("pipe.ipynb", "loop.ipynb", "dangling.ipynb", "folder.ipynb"):
        started = time.monotonic()
        code, message = await blocks.error(
            "ensure-id", method="POST", body={"path": path, "index": 0}
        )
        assert 400 <= code < 500 and message, (path, code)
        assert time.monotonic() - started < ANSWER_WITHIN


async def test_a_notebook_replaced_by_a_pipe_never_hangs_a_request(jp_root_dir, blocks):
    shutil.copytree(DEMO, jp_root_dir, dirs_exist_ok=True)
    await blocks.ready()
    # Given an indexed notebook replaced by a named pipe (reading it would wait forever)
    (jp_root_dir / "data" / "sales.ipynb").unlink()
    os.mkfifo(jp_root_dir / "data" / "sales.ipynb")
    # Then more requests than the server has reader threads all answer
    started = time.monotonic()
    replies = await asyncio.gather(
        *(blocks.post("resolve", body={"ids": ["sales-plot"]}) for _ in range(12))
    )
    assert time.monotonic() - started < ANSWER_WITHIN
    assert all(
        r["blocks"]["sales-plot"] is None or r["blocks"]["sales-plot"]["outputs"] == []
        for r in replies
    )
    # And the index lets the block go (a pipe is no notebook), announcing it deleted
    await blocks.until(lambda: _deleted(blocks, "sales-plot"))
    code, _ = await blocks.error(
        "ensure-id", method="POST", body={"path": "data/sales.ipynb", "index": 0}
    )
    assert code == 400


async def _deleted(blocks: Any, block_id: str) -> bool:
    reply = (await blocks.post("resolve", body={"ids": [block_id]}))["blocks"][block_id]
    return reply is not None and reply["deleted"] is True
