"""Headless runs of a block (issue 29, part 2): ``POST /api/blocks/run/<id>`` runs the
block's recipe in a fresh kernel of the server's own kernel manager (a real ipykernel),
with overrides, a time limit and progress; the result (outputs, value, the code that
ran, provenance) is cached by the recipe's sources and the overrides; an untrusted
notebook is not run without the flag."""

from __future__ import annotations

import asyncio
import json
import time
from pathlib import Path
from typing import Any

import nbformat
import pytest
from kernels import write_notebook

CELLS = [
    ("code", "base = 10", "base"),
    ("code", "scale = 2", "scale"),
    ("code", 'print("upstream talks")\nrate = base * scale', "rate"),
    ("code", 'raise ValueError("an unrelated broken cell")', "broken"),
    ("code", 'print(f"rate is {rate}")\nrate + 1', "target"),
    ("markdown", "Some prose", "prose"),
    ("code", "import time\ntime.sleep(60)", "slow"),
    ("code", "1 / 0", "fails"),
]


@pytest.fixture
def runs_root(jp_root_dir: Path, jp_serverapp: Any) -> Path:
    write_notebook(jp_root_dir / "model.ipynb", CELLS)
    write_notebook(jp_root_dir / "signed.ipynb", [("code", "40 + 2", "signed-answer")])
    # The user trusts signed.ipynb (Jupyter's own signature), not model.ipynb
    path = jp_root_dir / "signed.ipynb"
    nb = nbformat.read(path, as_version=4)
    jp_serverapp.contents_manager.notary.sign(nb)
    return jp_root_dir


async def run(blocks: Any, block: str, **body: Any) -> Any:
    return await blocks.post("run", block, body={"allow_untrusted": True, **body})


def text_of(result: dict[str, Any]) -> str:
    return "".join(
        o.get("text", "") or o.get("data", {}).get("text/plain", "") for o in result["outputs"]
    )


async def test_a_block_runs_headless_with_its_recipe_only(runs_root, blocks):
    await blocks.ready()
    result = await run(blocks, "target")
    assert result["status"] == "ok", result
    # The target's own output and value; upstream output is not kept; the broken cell
    # elsewhere in the notebook never ran
    assert "rate is 20" in text_of(result) and "upstream talks" not in text_of(result)
    assert result["value"]["text/plain"] == "21"
    ran = [c["id"] for c in result["provenance"]["cells"]]
    assert ran == ["base", "scale", "rate", "target"]
    assert all(len(c["sha256"]) == 64 for c in result["provenance"]["cells"])
    assert result["provenance"]["kernel"] == "python3" and result["provenance"]["last_modified"]
    assert "# %% model.ipynb cell 5 (target), the target" in result["source"]
    assert result["cached"] is False


async def test_a_result_is_cached_by_sources_and_overrides(runs_root, blocks):
    await blocks.ready()
    first = await run(blocks, "target")
    started = time.monotonic()
    again = await run(blocks, "target")
    assert again["cached"] is True and time.monotonic() - started < 5
    assert again["outputs"] == first["outputs"] and again["key"] == first["key"]
    # Other overrides are another run
    given = await run(blocks, "target", set={"base": 1})
    assert (given["cached"], given["value"]["text/plain"]) == (False, "3")
    # The overridden definer was not needed
    assert given["provenance"]["skipped"] == [{"number": 1, "id": "base", "given": ["base"]}]
    assert given["provenance"]["overrides"] == {"base": 1}
    # no_cache runs again
    fresh = await run(blocks, "target", no_cache=True)
    assert fresh["cached"] is False and fresh["value"] == first["value"]
    # A change to a cell that runs changes the key
    nb = json.loads((runs_root / "model.ipynb").read_text())
    nb["cells"][1]["source"] = ["scale = 3"]
    (runs_root / "model.ipynb").write_text(json.dumps(nb))

    async def changed() -> bool:
        found = await blocks.get("block", "scale")
        return found["source"] == "scale = 3"

    assert await blocks.until(changed)
    moved = await run(blocks, "target")
    assert (moved["cached"], moved["value"]["text/plain"]) == (False, "31")


async def test_errors_and_time_limits_are_results(runs_root, blocks):
    await blocks.ready()
    failed = await run(blocks, "fails")
    assert failed["status"] == "error" and failed["error"]["ename"] == "ZeroDivisionError"
    assert failed["error"]["cell"] == 8
    started = time.monotonic()
    slow = await run(blocks, "slow", timeout=3)
    assert slow["status"] == "timeout" and time.monotonic() - started < 20
    # Neither is cached
    assert (await run(blocks, "fails"))["cached"] is False


async def test_what_cannot_run_is_refused_with_the_reason(runs_root, blocks):
    await blocks.ready()
    code, message = await blocks.error("run", "prose", method="POST", body={})
    assert code == 422 and "markdown" in message
    code, message = await blocks.error("run", "target", method="POST", body={"set": {"bse": 1}})
    assert code == 422 and "did you mean base" in message
    code, _ = await blocks.error("run", "no-such-block", method="POST", body={})
    assert code == 404
    code, _ = await blocks.error("run", "target", method="POST", body={"timeout": -1})
    assert code == 400


async def test_an_untrusted_notebook_is_not_run_without_the_flag(runs_root, blocks):
    await blocks.ready()
    code, message = await blocks.error("run", "target", method="POST", body={})
    assert code == 403 and "not trusted" in message and "allow_untrusted" in message
    # A notebook the user trusts runs
    result = await blocks.post("run", "signed-answer", body={})
    assert result["value"]["text/plain"] == "42"
    # Once run with the flag, its cached result is not handed out without it
    assert (await run(blocks, "target"))["status"] == "ok"
    code, message = await blocks.error("run", "target", method="POST", body={})
    assert code == 403 and "not trusted" in message


async def test_the_kernel_starts_in_the_notebooks_folder(jp_root_dir: Path, blocks):
    # Relative paths in a block lead where they do in JupyterLab: next to the notebook
    (jp_root_dir / "project").mkdir()
    (jp_root_dir / "project" / "data.txt").write_text("beside the notebook")
    write_notebook(
        jp_root_dir / "project" / "reader.ipynb",
        [("code", "open('data.txt').read()", "reads-data")],
    )
    await blocks.ready()
    result = await run(blocks, "reads-data")
    assert result["status"] == "ok", result
    assert "beside the notebook" in result["value"]["text/plain"]


async def test_progress_is_announced(runs_root, blocks, jp_ws_fetch):
    await blocks.ready()
    ws = await jp_ws_fetch("api", "events", "subscribe")
    try:
        await run(blocks, "rate")
        states = []
        while "done" not in states:
            event = json.loads(await asyncio.wait_for(ws.read_message(), 10))
            if event.get("action") == "run-progress":
                states.append(event["state"])
                assert event["block"] == "rate"
        assert states[0] == "starting" and "running" in states
    finally:
        ws.close()


def cli(home: Path, root: Path, *args: str) -> Any:
    import os
    import subprocess
    import sys

    env = {
        **os.environ,
        "JUPYTER_CONFIG_DIR": str(home / "config"),
        "JUPYTER_DATA_DIR": str(home / "data"),
        "JUPYTER_RUNTIME_DIR": str(home / "runtime"),
    }
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "jupyter_blocks.cli",
            "run",
            *args,
            f"--BlocksApp.db_path={home / 'i.db'}",
        ],
        cwd=root,
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )


def test_the_command_line_runs_a_block_with_overrides(tmp_path):
    root, home = tmp_path / "root", tmp_path / "home"
    write_notebook(root / "model.ipynb", CELLS)
    # Not trusted: refused, saying how
    refused = cli(home, root, "target")
    assert refused.returncode == 2 and "--allow-untrusted" in refused.stderr
    overrides = ("--allow-untrusted", "--set", "base=1", "--set", "scale=7")
    done = cli(home, root, "target", *overrides)
    assert done.returncode == 0, done.stderr
    assert "rate is 7" in done.stdout and "8" in done.stdout
    assert "model.ipynb, cells 3, 5 with base=1, scale=7; ok in" in done.stdout
    assert "cell 5 (2/2)" in done.stderr  # progress
    # The same again: from the cache, as JSON
    again = cli(
        home, root, "target", "--allow-untrusted", "--set", "base=1", "--set", "scale=7", "--json"
    )
    result = json.loads(again.stdout)
    assert (result["cached"], result["value"]["text/plain"]) == (True, "8")
    # A cell that raises: exit 1, the error said
    failed = cli(home, root, "fails", "--allow-untrusted")
    assert failed.returncode == 1 and "ZeroDivisionError" in failed.stdout


def test_the_command_line_asks_the_running_server(tmp_path):
    from helpers import jupyter_server

    root, home = tmp_path / "root", tmp_path / "home"
    write_notebook(root / "model.ipynb", CELLS)
    with jupyter_server(root, home, tmp_path / "server.sqlite"):
        done = cli(home, root, "target", "--allow-untrusted", "--json")
    assert done.returncode == 0, done.stderr
    assert "on the Jupyter server at http://127.0.0.1:" in done.stderr
    assert json.loads(done.stdout)["value"]["text/plain"] == "21"


async def test_a_run_keeps_at_most_eight_mebibytes_of_output(jp_root_dir: Path, blocks):
    write_notebook(
        jp_root_dir / "loud.ipynb",
        [("code", "for _ in range(24):\n    print('x' * 2**20)", "loud")],
    )
    await blocks.ready()
    result = await run(blocks, "loud")
    assert result["status"] == "ok", result["error"]
    kept = json.dumps(result["outputs"])
    assert len(kept) < 9 * 2**20 and "not kept" in kept


async def test_permission_to_run_is_true_and_nothing_else(runs_root, blocks):
    await blocks.ready()
    for value in ("false", "yes", [0], 1, None):
        for flag in ("allow_untrusted", "no_cache"):
            code, message = await blocks.error("run", "target", method="POST", body={flag: value})
            assert code == 400 and f"{flag} is true or false" in message


async def test_a_kernel_not_installed_is_named_not_a_server_error(runs_root, blocks):
    await blocks.ready()
    for kernel in ("../../x", "no-such-kernel"):
        code, message = await blocks.error(
            "run", "signed-answer", method="POST", body={"kernel": kernel}
        )
        assert code == 400 and "No kernel named" in message and "python3" in message


async def test_a_kernel_that_exits_ends_the_run_at_once(jp_root_dir: Path, blocks):
    write_notebook(jp_root_dir / "exits.ipynb", [("code", "import os\nos._exit(3)", "exits")])
    await blocks.ready()
    started = time.monotonic()
    result = await run(blocks, "exits", timeout=60)
    assert result["status"] == "error" and result["error"]["ename"] == "KernelDied"
    assert "exited while running cell 1" in result["error"]["evalue"]
    assert time.monotonic() - started < 30


async def test_an_override_keeps_an_integer_past_64_bits(runs_root, blocks):
    await blocks.ready()
    big = 12345678901234567890123456789
    result = await run(blocks, "target", set={"base": big}, no_cache=True)
    assert result["value"]["text/plain"] == str(big * 2 + 1)
