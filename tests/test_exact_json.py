"""What Jupyter writes and orjson does not read the same: integers past 64 bits and
NaN or Infinity. A notebook holding them is indexed, and an id written into it keeps
them exactly (orjson read 2**70 as a float, and the check that nothing else changed
used the same parser, so it never noticed)."""

from __future__ import annotations

import json
from pathlib import Path

BIG = 2**70 + 1


def notebook_text() -> str:
    # As nbformat (Python's json) writes them: a bare integer, NaN, Infinity
    return (
        '{"nbformat": 4, "nbformat_minor": 4, "metadata": {"big": BIG, "ratio": NaN},'
        ' "cells": [{"cell_type": "code", "metadata": {"limit": Infinity},'
        ' "execution_count": null, "outputs": [], "source": ["x = BIG"]},'
        ' {"cell_type": "markdown", "metadata": {}, "source": ["# Exact numbers"]}]}'
    ).replace("BIG", str(BIG))


async def test_big_integers_and_nan_survive_an_id_write(jp_root_dir: Path, blocks):
    path = jp_root_dir / "exact.ipynb"
    path.write_text(notebook_text())
    await blocks.ready()
    # Indexed, not skipped as "not valid JSON"
    status = await blocks.get("status")
    assert "exact.ipynb" not in {s["path"] for s in status["skipped"]}
    written = await blocks.post("ensure-id", body={"path": "exact.ipynb", "index": 1})
    assert written["written"]
    nb = json.loads(path.read_text())
    assert nb["metadata"]["big"] == BIG and isinstance(nb["metadata"]["big"], int)
    assert nb["metadata"]["ratio"] != nb["metadata"]["ratio"]  # NaN
    assert nb["cells"][0]["metadata"]["limit"] == float("inf")
    assert nb["cells"][1]["id"] == written["id"]
