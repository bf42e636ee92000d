"""Names that change and the references that follow them (issue 19): Set Block Label's
source, Rename Block Label across the root, [[links]] that follow a rename made through
Jupyter, and ``check --fix`` after a ``git mv``."""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import nbformat
import pytest
from helpers import run_check
from ondisk import code, md, write

from jupyter_blocks.edits.renames import FOLLOW_GRACE

# Every test here runs on the SQLite store and on the PostgreSQL store.
pytestmark = pytest.mark.both_stores


def sources(path: Path) -> list[str]:
    return [cell.source for cell in nbformat.read(path, as_version=4).cells]


def on_disk_shape(path: Path) -> list[Any]:
    """The raw JSON cells (as nbformat writes them: lists of lines)."""
    return list(json.loads(path.read_text())["cells"])


async def test_set_label_gives_the_source_in_the_cells_own_form(jp_root_dir, blocks):
    write(jp_root_dir / "a.ipynb", [code("c1", "#| label: taken\n1"), md("m1", "# Intro")])
    await blocks.ready()
    reply = await blocks.post(
        "label", body={"cell_type": "code", "source": "#| echo: false\nplot()", "label": "fig-x"}
    )
    assert reply["source"] == "#| label: fig-x\n#| echo: false\nplot()"
    reply = await blocks.post(
        "label", body={"cell_type": "markdown", "source": "# Intro", "label": "sec-intro"}
    )
    assert reply["source"] == "(sec-intro)=\n# Intro"
    # A block's own label again is fine; another block's label or id is refused
    own = {"cell_type": "code", "source": "#| label: taken\n1", "label": "taken", "id": "c1"}
    assert (await blocks.post("label", body=own))["source"] == own["source"]
    for taken in ("taken", "m1"):
        status, message = await blocks.error(
            "label",
            method="POST",
            body={"cell_type": "markdown", "source": "x", "label": taken, "id": "m1x"},
        )
        assert status == 409 and "a.ipynb cell" in message
    status, message = await blocks.error(
        "label", method="POST", body={"cell_type": "code", "source": "x", "label": "two words"}
    )
    assert status == 400 and "cannot be a label" in message


@pytest.fixture
def labelled(jp_root_dir: Path) -> Path:
    write(jp_root_dir / "analysis.ipynb", [code("plot", "#| label: fig-old\nplot()")])
    write(
        jp_root_dir / "closed.ipynb",
        [
            md("r1", "See ((fig-old)), and `((fig-old))` in code stays."),
            md("r2", "{{embed ((fig-old)) outputs}}\n\nBy id: ((plot))."),
        ],
    )
    write(jp_root_dir / "open.ipynb", [md("o1", "Open: ((fig-old))")])
    write(jp_root_dir / "changed.ipynb", [md("x1", "Changed: ((fig-old)) AAAA")])
    return jp_root_dir


async def test_rename_label_rewrites_every_reference_and_refuses_a_changed_notebook(
    labelled, blocks
):
    await blocks.ready()
    # A notebook edited on disk that the index has not seen (same size and time)
    changed = labelled / "changed.ipynb"
    stat = changed.stat()
    changed.write_text(changed.read_text().replace("AAAA", "BBBB"))
    os.utime(changed, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    changed_bytes = changed.read_bytes()

    reply = await blocks.post(
        "rename-label", body={"label": "fig-old", "new": "fig-new", "open": ["open.ipynb"]}
    )
    # Closed notebooks are written: the declaration and each reference, code left alone
    assert sources(labelled / "analysis.ipynb") == ["#| label: fig-new\nplot()"]
    assert sources(labelled / "closed.ipynb") == [
        "See ((fig-new)), and `((fig-old))` in code stays.",
        "{{embed ((fig-new)) outputs}}\n\nBy id: ((plot)).",
    ]
    # still in nbformat's own on-disk shape (lists of lines)
    assert isinstance(on_disk_shape(labelled / "closed.ipynb")[1]["source"], list)
    assert sorted(w["path"] for w in reply["written"]) == ["analysis.ipynb", "closed.ipynb"]
    # The open notebook is left to the client, with the edit to apply to its model
    assert reply["edits"] == [
        {
            "path": "open.ipynb",
            "index": 0,
            "source": "Open: ((fig-old))",
            "new_source": "Open: ((fig-new))",
        }
    ]
    assert sources(labelled / "open.ipynb") == ["Open: ((fig-old))"]
    # The changed one is refused, and left exactly as it was
    assert [r["path"] for r in reply["refused"]] == ["changed.ipynb"]
    assert "changed since" in reply["refused"][0]["reason"]
    assert changed.read_bytes() == changed_bytes
    # And the new label resolves, with its backlinks
    await blocks.ready()
    found = await blocks.until(lambda: _backlinks(blocks, "fig-new"))
    assert {"r1", "r2"} <= found


async def _backlinks(blocks: Any, target: str) -> set[str]:
    reply = await blocks.get("backlinks", target)
    return {b["id"] for b in reply["backlinks"]}


async def test_rename_label_refuses_a_taken_name(labelled, blocks):
    await blocks.ready()
    status, message = await blocks.error(
        "rename-label", method="POST", body={"label": "fig-old", "new": "r1"}
    )
    assert status == 409 and "is already the id" in message
    status, _ = await blocks.error(
        "rename-label", method="POST", body={"label": "no-such", "new": "x"}
    )
    assert status == 400
    assert sources(labelled / "closed.ipynb")[0].startswith("See ((fig-old))")


@pytest.fixture
def linked(jp_root_dir: Path) -> Path:
    write(jp_root_dir / "notes" / "target.ipynb", [md("t1", "# Target")])
    write(jp_root_dir / "lib" / "deep.ipynb", [md("d1", "# Deep")])
    write(
        jp_root_dir / "index.ipynb",
        [
            md("l1", "Full: [[notes/target.ipynb]]; bare: [[target.ipynb]]."),
            md("l2", "In code: `[[notes/target.ipynb]]`; other: [[lib/deep.ipynb]]"),
        ],
    )
    return jp_root_dir


async def test_links_follow_a_notebook_renamed_through_jupyter(linked, blocks, jp_fetch):
    await blocks.ready()
    await jp_fetch(
        "api",
        "contents",
        "notes/target.ipynb",
        method="PATCH",
        body=json.dumps({"path": "notes/renamed.ipynb"}),
    )
    expected = [
        "Full: [[notes/renamed.ipynb]]; bare: [[renamed.ipynb]].",
        "In code: `[[notes/target.ipynb]]`; other: [[lib/deep.ipynb]]",
    ]
    await blocks.until(lambda: _sources_are(linked / "index.ipynb", expected))
    # The links resolve, and show as backlinks of the renamed notebook
    await blocks.ready()
    found = await blocks.get("notebook-backlinks", path="notes/renamed.ipynb")
    assert {(b["id"], b["kind"]) for b in found["backlinks"]} == {("l1", "notebook")}


async def test_links_follow_a_folder_renamed_through_jupyter(linked, blocks, jp_fetch):
    await blocks.ready()
    await jp_fetch("api", "contents", "lib", method="PATCH", body=json.dumps({"path": "library"}))
    expected = [
        "Full: [[notes/target.ipynb]]; bare: [[target.ipynb]].",
        "In code: `[[notes/target.ipynb]]`; other: [[library/deep.ipynb]]",
    ]
    await blocks.until(lambda: _sources_are(linked / "index.ipynb", expected))


async def _sources_are(path: Path, expected: list[str]) -> bool:
    try:
        return sources(path) == expected
    except ValueError:  # Jupyter writes in place: read mid-write, the file may be empty
        return False


GIT = shutil.which("git")


@pytest.mark.skipif(GIT is None, reason="git is not installed here")
def test_check_fix_rewrites_links_after_a_git_mv(tmp_path):
    root = tmp_path / "repo"
    write(root / "notes" / "old-name.ipynb", [md("t1", "# Target")])
    write(root / "index.ipynb", [md("l1", "See [[notes/old-name.ipynb]] and [[gone.ipynb]].")])
    env = {**os.environ, "GIT_CONFIG_GLOBAL": os.devnull}
    ident = ["-c", "user.name=t", "-c", "user.email=t@example.org"]
    for args in (
        ["init", "-q"],
        ["add", "."],
        [*ident, "commit", "-qm", "start"],
        ["mv", "notes/old-name.ipynb", "notes/new-name.ipynb"],
    ):
        subprocess.run([GIT or "git", *args], cwd=root, env=env, check=True)
    home = tmp_path / "home"
    # check names the new target and the evidence
    returncode, report, text = run_check(root, home)
    assert returncode == 1
    fixable = {(n["target"], n.get("new_target")) for n in report["notebook_links"]}
    assert fixable == {("notes/old-name.ipynb", "notes/new-name.ipynb"), ("gone.ipynb", None)}
    assert "git records the rename" in text
    before = (root / "index.ipynb").read_bytes()
    # --fix is a dry run: it prints the change and writes nothing
    dry = fix(root, home)
    assert "[[notes/old-name.ipynb]] -> [[notes/new-name.ipynb]]" in dry.stdout
    assert (root / "index.ipynb").read_bytes() == before
    # --fix --write applies it
    wrote = fix(root, home, "--write")
    assert wrote.returncode == 1, wrote.stderr  # gone.ipynb is still broken
    assert sources(root / "index.ipynb") == ["See [[notes/new-name.ipynb]] and [[gone.ipynb]]."]
    returncode, report, _ = run_check(root, home)
    assert [n["target"] for n in report["notebook_links"]] == ["gone.ipynb"]


def fix(root: Path, home: Path, *extra: str) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "JUPYTER_CONFIG_DIR": str(home / "config"),
        "JUPYTER_DATA_DIR": str(home / "data"),
    }
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "jupyter_blocks.cli",
            "check",
            str(root),
            "--fix",
            *extra,
            f"--BlocksApp.db_path={home / 'index.sqlite'}",
        ],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


async def test_the_browser_that_renamed_edits_its_open_notebooks_itself(linked, blocks, jp_fetch):
    await blocks.ready()
    before = (linked / "index.ipynb").read_bytes()
    await jp_fetch(
        "api",
        "contents",
        "notes/target.ipynb",
        method="PATCH",
        body=json.dumps({"path": "notes/moved.ipynb"}),
    )
    # The browser asks at once, with the notebooks it has open
    reply = await blocks.post(
        "follow-move",
        body={"from": "notes/target.ipynb", "to": "notes/moved.ipynb", "open": ["index.ipynb"]},
    )
    assert reply["written"] == [] and reply["refused"] == []
    assert reply["edits"] == [
        {
            "path": "index.ipynb",
            "index": 0,
            "source": "Full: [[notes/target.ipynb]]; bare: [[target.ipynb]].",
            "new_source": "Full: [[notes/moved.ipynb]]; bare: [[moved.ipynb]].",
        }
    ]
    # And the server leaves that rename to it: the open notebook's file is untouched
    await asyncio.sleep(FOLLOW_GRACE + 1.5)
    assert (linked / "index.ipynb").read_bytes() == before
