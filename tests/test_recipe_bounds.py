"""Every recipe answers within a bound and reads only what every endpoint may read
(issue 28): a pipe named like a notebook, a notebook inside a virtual environment, and
notebooks of tens of thousands of chained or fanned-out cells, through real HTTP and
through ``use()``."""

from __future__ import annotations

import asyncio
import os
import time
from pathlib import Path

import pytest
from kernels import write_notebook

from jupyter_blocks import use
from jupyter_blocks.reuse import BlockNotFound, RecipeTooLarge, UseError

BOUND = 15.0  # seconds: the request bound (10 s by default) and some slack


def chain(n: int) -> list[tuple[str, str, str | None]]:
    """``x1 = x0 + 1`` ... : the last cell needs every cell above it."""
    cells = [("code", "x0 = 0", "chain-0")]
    cells += [("code", f"x{i} = x{i - 1} + 1", f"chain-{i}") for i in range(1, n)]
    return cells


def fan_out(n: int) -> list[tuple[str, str, str | None]]:
    """``n - 1`` cells each defining a name, and a last cell reading all of them."""
    cells: list[tuple[str, str, str | None]] = [
        ("code", f"v{i} = {i}", f"fan-{i}") for i in range(n - 1)
    ]
    total = "total = sum([" + ", ".join(f"v{i}" for i in range(n - 1)) + "])\ntotal"
    cells.append(("code", total, "fan-target"))
    return cells


@pytest.fixture
def bounded_root(jp_root_dir: Path) -> Path:
    write_notebook(jp_root_dir / "small.ipynb", [("code", "a = 1", "s1"), ("code", "a + 1", "s2")])
    write_notebook(jp_root_dir / "chain.ipynb", chain(10_000))
    write_notebook(jp_root_dir / "fan.ipynb", fan_out(10_000))
    write_notebook(jp_root_dir / "medium.ipynb", chain(1_500))
    os.mkfifo(jp_root_dir / "pipe.ipynb")
    venv = jp_root_dir / "env"
    venv.mkdir()
    (venv / "pyvenv.cfg").write_text("home = /usr/bin\n")
    write_notebook(venv / "inside.ipynb", [("code", "secret = 1", "in-venv")])
    return jp_root_dir


async def timed(call):
    started = time.monotonic()
    result = await call
    return result, time.monotonic() - started


async def test_a_pipe_named_like_a_notebook_never_holds_a_recipe(bounded_root, blocks):
    await blocks.ready()
    # When eight recipes of a pipe are asked at once
    asked = [blocks.error("recipe", path="pipe.ipynb", index="0") for _ in range(8)]
    answers, took = await timed(asyncio.gather(*asked))
    # Then each answers at once that it is no notebook
    assert all(code == 404 for code, _ in answers), answers
    assert "regular file" in answers[0][1]
    assert took < BOUND
    # And the next normal recipe is not starved
    recipe, took = await timed(blocks.get("recipe", "s2"))
    assert [c["id"] for c in recipe["cells"]] == ["s1", "s2"] and took < BOUND


async def test_a_notebook_in_a_virtual_environment_is_not_served(bounded_root, blocks):
    await blocks.ready()
    # Not indexed, as every other endpoint says
    code, _ = await blocks.error("block", "in-venv")
    assert code == 404
    # And not served by path either
    code, message = await blocks.error("recipe", path="env/inside.ipynb", index="0")
    assert code == 404 and "secret" not in message


@pytest.mark.parametrize("notebook, target", [("chain", "chain-9999"), ("fan", "fan-target")])
async def test_a_recipe_over_the_limit_is_refused_at_once(bounded_root, blocks, notebook, target):
    await blocks.ready()
    (code, message), took = await timed(blocks.error("recipe", target))
    assert code == 422, message
    assert "c.BlocksExtension.max_recipe_cells" in message and "2000 cells" in message
    assert took < BOUND
    # By path too
    (code, _), took = await timed(blocks.error("recipe", path=f"{notebook}.ipynb", index="9999"))
    assert code == 422 and took < BOUND


async def test_a_long_recipe_within_the_limit_is_planned(bounded_root, blocks):
    await blocks.ready()
    recipe, took = await timed(blocks.get("recipe", "chain-1499"))
    assert len(recipe["cells"]) == 1500 and took < BOUND
    assert recipe["cells"][0]["id"] == "chain-0"


def test_use_applies_the_same_rules(bounded_root):
    # A pipe is no notebook, and nothing in a virtual environment is read
    with pytest.raises(UseError, match="regular file"):
        use("pipe.ipynb#1", root=str(bounded_root))
    with pytest.raises(BlockNotFound):
        use("env/inside.ipynb#1", root=str(bounded_root))
    # A recipe over the limit says which limit
    started = time.monotonic()
    with pytest.raises(RecipeTooLarge, match="max_recipe_cells"):
        use("fan.ipynb#10000", root=str(bounded_root))
    assert time.monotonic() - started < BOUND
