"""A write request answers within the bound (c.BlocksExtension.request_timeout), however
long reading the notebook takes: a text notebook jupytext needs seconds to read is
answered with a 503 saying so, and is left as it is."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

pytestmark = pytest.mark.both_stores

BOUND = 2.0  # seconds


@pytest.fixture
def jp_server_config(jp_server_config: dict) -> dict:
    jp_server_config["BlocksExtension"]["request_timeout"] = BOUND
    return jp_server_config


async def test_an_id_write_into_a_slow_text_notebook_answers_within_the_bound(
    jp_root_dir: Path, blocks
):
    # 16,000 cells, under the length skipped at once: jupytext takes seconds to read it
    path = jp_root_dir / "long.py"
    path.write_text("".join(f"# %%\nx{i} = {i}\n\n" for i in range(16_000)))
    before = path.read_bytes()
    started = time.monotonic()
    status, message = await blocks.error(
        "ensure-id", method="POST", body={"path": "long.py", "index": 3}
    )
    assert status == 503 and f"within {BOUND:g} s" in message
    # Bounded: each step waits at most BOUND, on a loaded machine too (the indexer reads
    # the same notebook meanwhile); without the bound it took every jupytext pass (20 s+)
    assert time.monotonic() - started < BOUND * 3 + 5
    assert path.read_bytes() == before
