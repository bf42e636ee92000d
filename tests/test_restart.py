"""The index is a cache: deleting it and restarting the server gives the same answers."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from helpers import DEMO, FIXTURES, copy_demo, copy_fixtures, jupyter_server


def answers(get: Any) -> dict[str, Any]:
    status = get("status")
    return {
        "counts": (status["notebooks"], status["blocks"], status["references"]),
        "skipped": status["skipped"],
        "backlinks": {
            i: get(f"backlinks/{i}") for i in ("sales-plot", "season-plot", "survey-chart")
        },
        "search": get("search?q=seasonal%20index"),
        "notebook": get("notebook-backlinks?path=data/sales.ipynb"),
        "block": get("block/summary-table"),
    }


def test_deleting_the_index_and_restarting_gives_the_same_answers(tmp_path: Path):
    root = tmp_path / "root"
    copy_demo(root)
    copy_fixtures(root / "fixtures")
    db = tmp_path / "index" / "blocks.sqlite"
    # Given a server that indexed the root
    with jupyter_server(root, tmp_path, db) as get:
        first = answers(get)
    assert db.exists()
    notebooks = len(list(DEMO.rglob("*.ipynb"))) + len(list(FIXTURES.rglob("*.ipynb")))
    assert first["counts"][0] == notebooks
    # When the index file is deleted and the server restarted
    for suffix in ("", "-journal", "-wal", "-shm"):
        Path(str(db) + suffix).unlink(missing_ok=True)
    with jupyter_server(root, tmp_path, db) as get:
        rebuilt = answers(get)
    # Then it answers exactly as before
    assert rebuilt == first
    # And a plain restart reuses the index, with the same answers
    with jupyter_server(root, tmp_path, db) as get:
        assert answers(get) == first
