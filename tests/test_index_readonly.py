"""An index whose files cannot be changed (issue 28): made immutable (``chattr +i``,
which stops even root) before the server starts or while it runs. Requests answer 503
at once with the reason, which says what to do; the server tries again more and more
rarely rather than flapping; once the files can be changed again the index catches up
with the notebooks changed meanwhile."""

from __future__ import annotations

import contextlib
import shutil
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from faultkit import REQUEST_TIMEOUT, fetch, listening, new_notebook, settled, status_when
from helpers import DEMO, DEMO_NOTEBOOKS, copy_demo, jupyter_server

EXTRA = (f"--BlocksExtension.request_timeout={REQUEST_TIMEOUT}",)
CHATTR = shutil.which("chattr")


def immutable(files: list[Path], on: bool) -> None:
    for file in files:
        if file.exists():
            subprocess.run([CHATTR or "chattr", "+i" if on else "-i", str(file)], check=True)


@contextlib.contextmanager
def frozen(files: list[Path]) -> Iterator[None]:
    immutable(files, True)
    try:
        yield
    finally:
        immutable(files, False)


@pytest.fixture
def can_freeze(tmp_path: Path) -> None:
    probe = tmp_path / "probe"
    probe.write_text("x")
    if CHATTR is None:
        pytest.skip("chattr is not installed here")
    done = subprocess.run([CHATTR, "+i", str(probe)], capture_output=True, text=True)
    if done.returncode != 0:
        pytest.skip(f"files cannot be made immutable here: {done.stderr.strip()}")
    immutable([probe], False)


def index_files(db: Path) -> list[Path]:
    return [db, *(db.with_name(db.name + s) for s in ("-journal", "-wal", "-shm"))]


def assert_unavailable_and_bounded(port: int) -> None:
    status = status_when(port, lambda s: s["state"] == "unavailable")
    assert "cannot be changed" in status["reason"] and "chattr -i" in status["reason"]
    for path in ("api/blocks/search?q=sales", "api/blocks/block/sales-plot"):
        code, body, taken = fetch(port, path)
        assert code == 503 and "cannot be changed" in body["message"]
        assert taken < REQUEST_TIMEOUT + 5
    # The Jupyter server itself keeps serving
    code, _, _ = fetch(port, "api/contents/report.ipynb?content=0")
    assert code == 200


def test_an_immutable_index_at_start_says_so_and_recovers(tmp_path: Path, can_freeze):
    root, db, log = tmp_path / "root", tmp_path / "index" / "blocks.sqlite", tmp_path / "log"
    copy_demo(root)
    with jupyter_server(root, tmp_path, db, extra=EXTRA):
        pass  # an index, complete
    with (
        frozen(index_files(db)),
        jupyter_server(root, tmp_path, db, wait=False, log=log, extra=EXTRA) as get,
    ):
        listening(get.port)
        assert_unavailable_and_bounded(get.port)
        # A notebook added meanwhile
        new_notebook(root / "added.ipynb", "added-cell", "written while the index was frozen")
        time.sleep(6)
        # Tried again more and more rarely: said once, not at every try
        said = [
            line
            for line in log.read_text(errors="replace").splitlines()
            if "BlocksExtension]" in line and "cannot be changed" in line
        ]
        assert len(said) == 1, said
        immutable(index_files(db), False)
        status = status_when(get.port, settled, timeout=90)
        assert status["notebooks"] == DEMO_NOTEBOOKS + 1
        code, block, _ = fetch(get.port, "api/blocks/block/added-cell")
        assert code == 200 and block["path"] == "added.ipynb"


def test_an_index_made_immutable_while_running_says_so_and_recovers(tmp_path: Path, can_freeze):
    root, db, log = tmp_path / "root", tmp_path / "index" / "blocks.sqlite", tmp_path / "log"
    copy_demo(root)
    with jupyter_server(root, tmp_path, db, log=log, extra=EXTRA) as get:
        with frozen(index_files(db)):
            # A change the index cannot take
            new_notebook(root / "added.ipynb", "added-cell", "written while frozen")
            assert_unavailable_and_bounded(get.port)
        status = status_when(get.port, settled, timeout=90)
        assert status["notebooks"] == len(list(DEMO.rglob("*.ipynb"))) + 1
        code, _, _ = fetch(get.port, "api/blocks/block/added-cell")
        assert code == 200
