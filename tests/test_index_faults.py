"""The index file in trouble (issue 16, section 3): damaged before the server starts,
in a place it cannot be, damaged while the server runs, out of space, locked by another
program. Each time the Jupyter server keeps serving, every request answers within a
bound (503 with the reason while the index cannot), and the index ends equal to the
files, new notebooks included."""

from __future__ import annotations

import contextlib
import json
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from faultkit import (
    REQUEST_TIMEOUT,
    damage,
    equals_files,
    fetch,
    listening,
    make_corpus,
    new_notebook,
    settled,
    small_filesystem,
    status_when,
    until,
)
from helpers import DEMO, DEMO_NOTEBOOKS, jupyter_server

EXTRA = (f"--BlocksExtension.request_timeout={REQUEST_TIMEOUT}",)


@pytest.fixture
def corpus(tmp_path: Path) -> tuple[Path, dict[str, Any]]:
    root = tmp_path / "corpus"
    return root, make_corpus(root)


def some_requests(port: int, ids: list[str]) -> list[int]:
    """A round of what a frontend asks; every answer within the bound, and only ever
    200 (or 404 for a block not indexed yet) or 503."""
    codes = []
    for path in ("api/blocks/status", "api/blocks/search?q=sales", f"api/blocks/block/{ids[0]}"):
        code, body, _ = fetch(port, path)
        codes.append(code)
        assert code in (200, 404, 503), (path, code, body)
        if code == 503:
            assert body["message"], body
    code, body, _ = fetch(port, "api/blocks/resolve", "POST", {"ids": ids})
    assert code in (200, 503), body
    return [*codes, code]


def test_corrupt_pages_at_start_are_set_aside_and_the_index_rebuilt(tmp_path: Path, corpus):
    root, truth = corpus
    db = tmp_path / "index" / "blocks.sqlite"
    # Given an index built by a server, then damaged (SQLite's header left intact)
    with jupyter_server(root, tmp_path, db):
        pass
    damage(db, "corrupted")
    log = tmp_path / "server.log"
    # When a server starts on it
    with jupyter_server(root, tmp_path, db, wait=False, log=log, extra=EXTRA) as get:
        listening(get.port)
        # Then every request answers at once, within the bound
        some_requests(get.port, list(truth["backlinks"])[:5])
        # And the index is rebuilt from the notebooks, equal to them
        status_when(get.port, settled)
        equals_files(get.port, truth)
    # The damaged file was set aside, not removed, and the log says why
    assert list(db.parent.glob("blocks.sqlite.corrupt-*"))
    text = log.read_text(errors="replace")
    assert "damaged" in text and "set aside" in text


@pytest.mark.parametrize("place", ["a file where its folder should be", "a read-only folder"])
def test_an_unusable_index_location_answers_503_with_the_reason(tmp_path: Path, place: str):
    root = tmp_path / "root"
    root.mkdir()
    for nb in DEMO.rglob("*.ipynb"):
        target = root / nb.relative_to(DEMO)
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(nb.read_bytes())
    if place == "a file where its folder should be":
        (tmp_path / "blocker").write_text("not a folder")
        db = tmp_path / "blocker" / "index.sqlite"
        server_and_fs = jupyter_server(root, tmp_path, db, wait=False, extra=EXTRA)
    else:
        fs = small_filesystem(tmp_path / "ro", readonly=True)
        fs.__enter__()
        db = tmp_path / "ro" / "index.sqlite"
        server_and_fs = jupyter_server(root, tmp_path, db, wait=False, extra=EXTRA)
    try:
        with server_and_fs as get:
            port = get.port
            listening(port)
            # The Jupyter server itself keeps serving
            code, _, _ = fetch(port, "api/contents/report.ipynb?content=0")
            assert code == 200
            # status says the index is unavailable, why, and what to change
            status = status_when(port, lambda s: s["state"] == "unavailable")
            assert "c.BlocksExtension.db_path" in status["reason"]
            # every other route answers 503 with the same sentence, at once
            for path in ("api/blocks/search?q=sales", "api/blocks/block/sales-plot"):
                code, body, taken = fetch(port, path)
                assert code == 503 and "c.BlocksExtension.db_path" in body["message"]
                assert taken < REQUEST_TIMEOUT + 5
            code, body, _ = fetch(port, "api/blocks/resolve", "POST", {"ids": ["sales-plot"]})
            assert code == 503
            # When the location becomes usable, the index is built without a restart
            if place == "a file where its folder should be":
                (tmp_path / "blocker").unlink()
            else:
                subprocess.run(["mount", "-o", "remount,rw", str(tmp_path / "ro")], check=True)
            status = status_when(port, settled, timeout=90)
            assert status["notebooks"] == DEMO_NOTEBOOKS
            code, block, _ = fetch(port, "api/blocks/block/sales-plot")
            assert code == 200 and block["path"] == "data/sales.ipynb"
    finally:
        if place == "a read-only folder":
            fs.__exit__(None, None, None)


@pytest.mark.parametrize("how", ["deleted", "truncated", "corrupted"])
def test_an_index_damaged_while_running_is_rebuilt_while_serving(tmp_path: Path, corpus, how: str):
    root, truth = corpus
    db = tmp_path / "index" / "blocks.sqlite"
    log = tmp_path / "server.log"
    ids = list(truth["backlinks"])[:5]
    with jupyter_server(root, tmp_path, db, log=log, extra=EXTRA) as get:
        port = get.port
        # Given a server whose index is damaged under it
        damage(db, how)
        # Then for a while every request answers within the bound, never with a 500
        deadline = time.monotonic() + 6
        while time.monotonic() < deadline:
            some_requests(port, ids)
        # And a notebook added meanwhile is indexed
        new_notebook(root / "added" / "late.ipynb", "late-cell", "# Added after the damage")
        status_when(port, lambda s: settled(s) and s["notebooks"] == truth["notebooks"] + 1)
        code, block, _ = fetch(port, "api/blocks/block/late-cell")
        assert code == 200 and block["path"] == "added/late.ipynb"
        # And the index is equal to the files again
        code, status, _ = fetch(port, "api/blocks/status")
        assert status["blocks"] == truth["cells"] + 1
        truth_before = {**truth, "notebooks": truth["notebooks"] + 1, "cells": truth["cells"] + 1}
        equals_files(port, truth_before)
    text = log.read_text(errors="replace")
    assert f"was {how}" in text or "damaged" in text, text[-2000:]
    assert "rebuilt" in text


def test_a_notebook_that_does_not_fit_is_reported_and_indexed_once_space_is_freed(
    tmp_path: Path,
):
    root = tmp_path / "root"
    root.mkdir()
    for nb in DEMO.rglob("*.ipynb"):
        target = root / nb.relative_to(DEMO)
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(nb.read_bytes())
    with small_filesystem(tmp_path / "disk", size="2m") as disk:
        db = disk / "index.sqlite"
        with jupyter_server(root, tmp_path, db, extra=EXTRA) as get:
            port = get.port
            # Given the disk holding the index full (room is left only in SQLite's WAL)
            filler = disk / "filler"
            with open(filler, "wb", buffering=0) as f, contextlib.suppress(OSError):
                while True:
                    f.write(b"\0" * 4096)
            # When a notebook too large for what is left arrives
            text = "lorem ipsum dolor sit amet " * 11_000  # about 300 KB
            new_notebook(root / "big.ipynb", "big-cell", text)
            # Then status lists it, with the reason, and everything still answers
            status = status_when(
                port, lambda s: any(x["path"] == "big.ipynb" for x in s["skipped"]), timeout=30
            )
            reason = next(x["reason"] for x in status["skipped"] if x["path"] == "big.ipynb")
            assert "full" in reason or "space" in reason, reason
            code, block, _ = fetch(port, "api/blocks/block/sales-plot")
            assert code == 200
            code, _, _ = fetch(port, "api/blocks/block/big-cell")
            assert code == 404
            # And once space is freed it is indexed, without anything else happening
            filler.unlink()
            status_when(
                port,
                lambda s: s["skipped"] == [] and s["notebooks"] == DEMO_NOTEBOOKS + 1,
                timeout=60,
            )
            code, block, _ = fetch(port, "api/blocks/block/big-cell")
            assert code == 200 and block["path"] == "big.ipynb"


def test_an_index_locked_by_another_program_never_hangs_a_request(tmp_path: Path, corpus):
    root, _ = corpus
    db = tmp_path / "index" / "blocks.sqlite"
    with jupyter_server(root, tmp_path, db, extra=EXTRA) as get:
        port = get.port
        # Given another program holding the index's write lock
        locker = subprocess.Popen(
            [
                sys.executable,
                "-c",
                "import sqlite3, sys, time\n"
                f"c = sqlite3.connect({str(db)!r}, isolation_level=None)\n"
                "c.execute('BEGIN IMMEDIATE')\n"
                "print('locked', flush=True)\n"
                "sys.stdin.read()\n",
            ],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        try:
            assert locker.stdout is not None and locker.stdout.readline().strip() == "locked"
            # When a notebook is saved and an id is asked for meanwhile
            path = next(p for p in root.rglob("*.ipynb"))
            rel = str(path.relative_to(root))
            nb = json.loads(path.read_text())
            nb["cells"][0]["source"] = ["# Saved while the index was locked\n"]
            get.save(rel, nb)
            # Then reads still answer, and what needs the index's writer answers 503
            # within the bound instead of waiting for the lock
            code, _, _ = fetch(port, "api/blocks/search?q=sales")
            assert code == 200
            code, body, taken = fetch(
                port, "api/blocks/ensure-id", "POST", {"path": rel, "index": 0}
            )
            assert code == 503 and "did not answer" in body["message"], body
            assert taken < REQUEST_TIMEOUT + 5
        finally:
            assert locker.stdin is not None and locker.stdout is not None
            locker.stdin.close()
            locker.wait(timeout=30)
            locker.stdout.close()
        # And once the lock is released the index catches up with the save
        cell_id = nb["cells"][0]["id"]

        def caught_up() -> bool:
            code, block, _ = fetch(port, f"api/blocks/block/{cell_id}")
            return code == 200 and block["source"].startswith("# Saved while")

        until(caught_up, 60, "the index catching up")
        code, reply, _ = fetch(port, "api/blocks/ensure-id", "POST", {"path": rel, "index": 0})
        assert code == 200 and reply["id"] == cell_id
