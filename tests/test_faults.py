"""Faults: a server killed in the middle of its first index, and many clients saving at
once. The index always ends equal to the files. (Reduced sizes here; the full sizes are
in BENCHMARKS.md.)"""

from __future__ import annotations

import json
import os
import signal
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from helpers import generate, jupyter_server


def test_a_server_killed_during_its_first_index_ends_equal_to_the_files(tmp_path: Path):
    root = tmp_path / "corpus"
    truth = generate(root, 300)
    db = tmp_path / "index.sqlite"
    # Given a server killed with SIGKILL while its first scan is half done
    with jupyter_server(root, tmp_path, db, wait=False) as get:
        deadline = time.monotonic() + 60
        while True:
            try:
                status = get("status")
                if status["state"] == "indexing" and status["progress"]["done"] > 0:
                    break
            except OSError:
                pass
            assert time.monotonic() < deadline, "the first scan never started"
            time.sleep(0.02)
        get.process.send_signal(signal.SIGKILL)
        get.process.wait(timeout=30)
    # When it starts again on the same index file
    with jupyter_server(root, tmp_path, db) as get:
        status = get("status")
        # Then every notebook and block is there, backlinks are exact, search works
        assert (status["notebooks"], status["blocks"]) == (truth["notebooks"], truth["cells"])
        for target, expected in list(truth["backlinks"].items())[:50]:
            served = get(f"backlinks/{target}")["backlinks"]
            assert sorted((b["path"], b["kind"]) for b in served) == sorted(
                (e["path"], e["kind"]) for e in expected
            )
        assert get("search?q=extrasolar%20planets")["results"]


def test_concurrent_saves_leave_the_index_equal_to_the_files(tmp_path: Path):
    root = tmp_path / "corpus"
    generate(root, 40, seed=5)
    log = tmp_path / "server.log"
    paths = sorted(p for p in root.rglob("*.ipynb") if '"nbformat_minor": 5' in p.read_text())[:8]
    originals = {path: path.read_text() for path in paths}
    with jupyter_server(root, tmp_path, tmp_path / "index.sqlite", log=log) as get:

        def client(worker: int) -> None:
            # 4 clients, 50 saves each, over 8 notebooks (clients collide on purpose)
            for i in range(50):
                path = paths[(worker + i) % len(paths)]
                nb = json.loads(originals[path])
                cell = next(c for c in nb["cells"] if c["cell_type"] == "markdown")
                cell["source"] = f"Saved by client {worker} round {i} marker{worker}x{i}"
                get.save(str(path.relative_to(root)), nb)

        with ThreadPoolExecutor(4) as pool:
            list(pool.map(client, range(4)))

        deadline = time.monotonic() + 60
        while True:
            status = get("status")
            if status["pending"] == 0:
                # The index holds exactly what each file holds now
                mismatched = []
                for path in paths:
                    nb = json.loads(path.read_text())
                    cell = next(c for c in nb["cells"] if c["cell_type"] == "markdown")
                    served = get(f"block/{cell['id']}")["source"]
                    if served != "".join(cell["source"]):
                        mismatched.append(path.name)
                if not mismatched:
                    break
            assert time.monotonic() < deadline, f"index differs from files: {mismatched}"
            time.sleep(0.2)
    assert "database is locked" not in log.read_text(errors="replace")


QUERIES = ["data", "plot", "a", "import+numpy"]


def test_fifty_concurrent_clients_get_no_error(tmp_path: Path):
    """50 clients on search and backlinks for a while (loopback, bounded): zero errors.
    5 s here; 30 s in the full run (BENCHMARKS.md)."""
    root = tmp_path / "corpus"
    truth = generate(root, 60, seed=9)
    targets = list(truth["backlinks"])[:20]
    seconds = float(os.environ.get("JUPYTER_BLOCKS_LOAD_SECONDS", "5"))
    with jupyter_server(root, tmp_path, tmp_path / "index.sqlite") as get:
        deadline = time.monotonic() + seconds
        errors: list[str] = []
        done = [0]

        def client(worker: int) -> None:
            i = 0
            while time.monotonic() < deadline:
                try:
                    if (worker + i) % 2:
                        get(f"search?q={QUERIES[i % len(QUERIES)]}")
                    else:
                        get(f"backlinks/{targets[i % len(targets)]}")
                    done[0] += 1
                except Exception as error:  # every failure counts
                    errors.append(repr(error))
                i += 1

        with ThreadPoolExecutor(50) as pool:
            list(pool.map(client, range(50)))
    assert errors == []
    assert done[0] > 50
