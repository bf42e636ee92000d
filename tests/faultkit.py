"""What the fault tests share: requests that report their status code and time, damage
done to an index file, small real file systems, and the check that an index answers as
the files say."""

from __future__ import annotations

import json
import os
import random
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from helpers import TOKEN

# A generous bound: every request must come back within it, whatever happens to the
# index. It checks that nothing hangs, not how fast anything is.
ANSWER_WITHIN = 20.0
# The servers here wait at most this long for their index (c.BlocksExtension.request_timeout).
REQUEST_TIMEOUT = 3.0


def fetch(port: int, path: str, method: str = "GET", body: Any = None) -> tuple[int, Any, float]:
    """``(status code, JSON body, seconds taken)`` of a request to a server process;
    a request that does not come back within ANSWER_WITHIN fails the test."""
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}/{path}",
        data=data,
        method=method,
        headers={"Authorization": f"token {TOKEN}", "Content-Type": "application/json"},
    )
    started = time.monotonic()
    try:
        with urllib.request.urlopen(request, timeout=ANSWER_WITHIN) as response:
            code, raw = response.status, response.read()
    except urllib.error.HTTPError as error:
        code, raw = error.code, error.read()
    except TimeoutError:
        pytest.fail(f"{method} {path} did not answer within {ANSWER_WITHIN} s")
    taken = time.monotonic() - started
    assert taken < ANSWER_WITHIN, f"{method} {path} took {taken:.1f} s"
    return code, json.loads(raw) if raw else None, taken


def until(check: Callable[[], Any], timeout: float = 60, what: str = "condition") -> Any:
    """Call ``check`` until it returns something truthy (then return it)."""
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"{what} not met after {timeout}s (last: {value!r})")
        time.sleep(0.2)


def status_when(port: int, test: Callable[[dict[str, Any]], bool], timeout: float = 60) -> Any:
    """The status once ``test`` holds for it (every answer on the way must be 200)."""

    def check() -> Any:
        code, status, _ = fetch(port, "api/blocks/status")
        assert code == 200, status
        return status if test(status) else None

    return until(check, timeout, "status")


def settled(status: dict[str, Any]) -> bool:
    return status["state"] == "ready" and status["pending"] == 0


def damage(db: Path, how: str) -> None:
    """Damage an index file as a disk, a tool or a person would."""
    if how == "deleted":
        for suffix in ("", "-journal", "-wal", "-shm"):
            Path(str(db) + suffix).unlink(missing_ok=True)
    elif how == "truncated":
        os.truncate(db, db.stat().st_size // 3)
    elif how == "corrupted":
        # Every page but the first (SQLite's header stays intact) overwritten.
        size = db.stat().st_size
        with open(db, "r+b") as f:
            f.seek(4096)
            f.write(os.urandom(max(0, size - 4096)))
    else:
        raise ValueError(how)


def equals_files(port: int, truth: dict[str, Any], sample: int = 40) -> None:
    """The index answers as the notebooks say (ground truth of make_corpus)."""
    code, status, _ = fetch(port, "api/blocks/status")
    assert code == 200
    assert (status["notebooks"], status["blocks"]) == (truth["notebooks"], truth["cells"])
    for target, expected in list(truth["backlinks"].items())[:sample]:
        code, served, _ = fetch(port, f"api/blocks/backlinks/{target}")
        assert code == 200, served
        assert sorted((b["path"], b["kind"]) for b in served["backlinks"]) == sorted(
            (e["path"], e["kind"]) for e in expected
        )


def can_mount() -> bool:
    return (
        os.geteuid() == 0
        and subprocess.run(["which", "mount"], capture_output=True).returncode == 0
    )


@contextmanager
def small_filesystem(where: Path, size: str = "1m", readonly: bool = False) -> Iterator[Path]:
    """A real file system of ``size`` mounted at ``where`` (tmpfs, as root): a disk
    that fills up, or a read-only folder. Skips the test where mounting is impossible."""
    where.mkdir(parents=True, exist_ok=True)
    options = f"size={size}" + (",ro" if readonly else "")
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", options, "tmpfs", str(where)], capture_output=True
    )
    if done.returncode != 0:
        pytest.skip(f"cannot mount a {size} file system here: {done.stderr.decode().strip()}")
    try:
        yield where
    finally:
        subprocess.run(["umount", "-l", str(where)], capture_output=True)


def new_notebook(path: Path, cell_id: str, text: str) -> None:
    """A small nbformat 4.5 notebook, in the shape nbformat writes (lists of lines)."""
    nb = {
        "cells": [
            {"cell_type": "markdown", "id": cell_id, "metadata": {}, "source": [text + "\n", "end"]}
        ],
        "metadata": {},
        "nbformat": 4,
        "nbformat_minor": 5,
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(nb, indent=1))


def listening(port: int, timeout: float = 60) -> None:
    """Wait until a server process answers HTTP at all."""

    def check() -> bool:
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/api", timeout=5).read()
            return True
        except (OSError, urllib.error.URLError):
            return False

    until(check, timeout, "the server answering")


def make_corpus(root: Path, notebooks: int = 40, cells: int = 12, seed: int = 7) -> dict[str, Any]:
    """Notebooks in the on-disk shape (sources as lists of lines), in a few folders,
    whose markdown cells reference and embed cells of other notebooks; returns what an
    index of them must answer: ``notebooks``, ``cells`` and ``backlinks`` (target id ->
    ``[{"path", "kind"}]``)."""
    rng = random.Random(seed)
    ids = [[f"n{n:03}-c{c:02}" for c in range(cells)] for n in range(notebooks)]
    backlinks: dict[str, list[dict[str, str]]] = {}
    for n in range(notebooks):
        path = f"part-{n % 4}/notebook-{n:03}.ipynb"
        nb_cells = []
        for c in range(cells):
            words = " ".join(rng.choice(WORDS) for _ in range(30))
            if c % 3 == 0 and n > 0:
                target = ids[rng.randrange(n)][rng.randrange(cells)]
                kind = rng.choice(["ref", "embed"])
                link = f"(({target}))" if kind == "ref" else f"{{{{embed (({target}))}}}}"
                backlinks.setdefault(target, []).append({"path": path, "kind": kind})
                source = [f"## Part {c}\n", f"{words}\n", f"See {link} for more.\n"]
                nb_cells.append(
                    {"cell_type": "markdown", "id": ids[n][c], "metadata": {}, "source": source}
                )
            else:
                nb_cells.append(
                    {
                        "cell_type": "code",
                        "execution_count": c,
                        "id": ids[n][c],
                        "metadata": {},
                        "outputs": [
                            {"name": "stdout", "output_type": "stream", "text": [f"{words}\n"]}
                        ],
                        "source": [f"x{c} = {c}\n", f"# {words}"],
                    }
                )
        nb = {"cells": nb_cells, "metadata": {}, "nbformat": 4, "nbformat_minor": 5}
        target_path = root / path
        target_path.parent.mkdir(parents=True, exist_ok=True)
        target_path.write_text(json.dumps(nb, indent=1))
    return {"notebooks": notebooks, "cells": notebooks * cells, "backlinks": backlinks}


WORDS = [
    "data",
    "frame",
    "series",
    "index",
    "plot",
    "axis",
    "label",
    "sales",
    "month",
    "season",
    "trend",
    "model",
    "fit",
    "sample",
    "mean",
    "median",
    "error",
    "value",
    "column",
    "row",
    "group",
    "merge",
    "join",
    "filter",
    "array",
]
