"""``GET /api/blocks/recipe``: what ``use()`` would run for a block, over real HTTP; and a
kernel started by a real server finding blocks by itself."""

from __future__ import annotations

import json
import os
import urllib.request
from pathlib import Path

import pytest
from helpers import TOKEN, copy_demo, jupyter_server
from kernels import connected_kernel, wait_for, write_notebook
from test_security import TRAVERSALS

from jupyter_blocks.reuse import env


@pytest.fixture
def demo_root(jp_root_dir: Path) -> Path:
    copy_demo(jp_root_dir)
    write_notebook(
        jp_root_dir / "old.ipynb",
        [("code", "base = 7", None), ("code", "answer = base * 6\nanswer", None)],
        minor=4,
    )
    write_notebook(jp_root_dir / "stats.ipynb", [("code", "mean(c(1, 2))", "r-mean")], "R")
    return jp_root_dir


async def test_the_recipe_lists_the_cells_use_would_run(demo_root, blocks):
    await blocks.ready()
    # When the frontend asks for the recipe of the plot block
    recipe = await blocks.get("recipe", "sales-plot")
    # Then it names the block, its notebook, and the cells that run, in order
    assert {k: recipe[k] for k in ("id", "path", "index", "cell_type", "language", "python")} == {
        "id": "sales-plot",
        "path": "data/sales.ipynb",
        "index": 3,
        "cell_type": "code",
        "language": "python",
        "python": True,
    }
    steps = [(c["id"], c["index"]) for c in recipe["cells"]]
    assert steps == [("sales-load", 1), ("sales-plot", 3)]
    load, plot = recipe["cells"]
    assert load["source"].startswith("# Build a small, seeded sales dataset")
    assert {"sales", "np", "pd", "rng"} <= set(load["defines"])
    assert "sales" in plot["uses"] and "by_month" in plot["defines"]
    # The summary table (cell 3) is not needed by the plot
    assert "summary-table" not in [c["id"] for c in recipe["cells"]]
    # What may be overridden: the data, not the modules
    assert recipe["inputs"] == ["sales"]
    assert recipe["missing"] == []
    assert recipe["last_modified"]


async def test_a_cell_without_id_has_a_recipe_by_path_and_index(demo_root, blocks):
    await blocks.ready()
    recipe = await blocks.get("recipe", path="old.ipynb", index="1")
    assert recipe["id"] is None
    assert [(c["id"], c["index"]) for c in recipe["cells"]] == [(None, 0), (None, 1)]
    assert recipe["inputs"] == ["base"]


async def test_a_markdown_block_has_no_recipe(demo_root, blocks):
    await blocks.ready()
    recipe = await blocks.get("recipe", "sales-intro")
    assert (recipe["cell_type"], recipe["cells"]) == ("markdown", [])


async def test_a_block_of_another_language_is_not_analysed(demo_root, blocks):
    await blocks.ready()
    recipe = await blocks.get("recipe", "r-mean")
    assert (recipe["language"], recipe["python"]) == ("R", False)
    assert [c["id"] for c in recipe["cells"]] == ["r-mean"]
    assert recipe["inputs"] == []


async def test_unknown_blocks_and_places_are_404_with_a_reason(demo_root, blocks):
    await blocks.ready()
    code, message = await blocks.error("recipe", "no-such-block")
    assert (code, "No block has the id no-such-block" in message) == (404, True)
    code, message = await blocks.error("recipe", path="old.ipynb", index="9")
    assert (code, "none at index 9" in message) == (404, True)
    code, message = await blocks.error("recipe", path="old.ipynb", index="x")
    assert code == 400 and "index" in message
    code, _ = await blocks.error("recipe", path="missing.ipynb", index="0")
    assert code == 404


async def test_a_deleted_block_says_so(demo_root, blocks):
    await blocks.ready()
    nb = json.loads((demo_root / "data" / "sales.ipynb").read_text())
    nb["cells"] = [c for c in nb["cells"] if c["id"] != "summary-table"]
    (demo_root / "data" / "sales.ipynb").write_text(json.dumps(nb, indent=1))

    async def deleted():
        code, message = await blocks.error("recipe", "summary-table")
        return code == 404 and "was deleted" in message and "data/sales.ipynb" in message

    assert await blocks.until(deleted)


@pytest.mark.parametrize("path", TRAVERSALS)
async def test_recipe_paths_never_leave_the_root(demo_root, blocks, path):
    await blocks.ready()
    (demo_root.parent / "outside.ipynb").write_text(json.dumps({"cells": [], "nbformat": 4}))
    code, _ = await blocks.error("recipe", path=path, index="0")
    assert code in (400, 404), path


async def test_the_server_tells_its_kernels_where_the_blocks_are(demo_root, blocks, jp_serverapp):
    await blocks.ready()
    # Kernels inherit the server's environment: the root, and how to reach the API
    assert os.environ[env.ROOT] == os.path.abspath(demo_root)
    assert os.environ[env.URL] == f"http://127.0.0.1:{jp_serverapp.port}{jp_serverapp.base_url}"
    assert os.environ[env.TOKEN] == jp_serverapp.identity_provider.token


def test_a_kernel_started_by_the_server_finds_blocks_by_itself(tmp_path: Path):
    # Given a real server on the demo, and a kernel it started (as JupyterLab does)
    root, home = tmp_path / "root", tmp_path / "home"
    copy_demo(root)
    with jupyter_server(root, home, tmp_path / "index.sqlite") as get:
        request = urllib.request.Request(
            f"http://127.0.0.1:{get.port}/api/kernels",
            data=json.dumps({"name": "python3", "path": "report.ipynb"}).encode(),
            method="POST",
            headers={"Authorization": f"token {TOKEN}", "Content-Type": "application/json"},
        )
        with urllib.request.urlopen(request, timeout=60) as response:
            kernel_id = json.loads(response.read())["id"]
        connection = wait_for(home / "runtime" / f"kernel-{kernel_id}.json")
        with connected_kernel(connection) as kernel:
            # When it uses a block with no root given, even with the root variable
            # spoiled (so that only the server can answer)
            kernel.ok(
                "import os\nos.environ['JUPYTER_BLOCKS_ROOT'] = '/nonexistent'\n"
                "from jupyter_blocks import use\nr = use('summary-table')"
            )
            # Then it ran the block's recipe, found through the server
            assert kernel.value("[c.id for c in r.cells]") == ["sales-load", "summary-table"]
            assert kernel.value("int(r.value.loc['North', 'total'])") > 0
