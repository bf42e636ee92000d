"""Which of two notebooks holding the same ids is the original (issue 14, part 2):
decided by evidence that survives a git clone, said with its reason in status and
``jupyter blocks check``, and said to be inconclusive when it is."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
from helpers import run_check
from ondisk import code, md, write

# Every test here runs on the SQLite store and on the PostgreSQL store.
pytestmark = pytest.mark.both_stores

GIT = shutil.which("git")
needs_git = pytest.mark.skipif(GIT is None, reason="git is not installed here")


def git(cwd: Path, *args: str, when: int | None = None) -> None:
    env = {
        **os.environ,
        "GIT_AUTHOR_NAME": "t",
        "GIT_AUTHOR_EMAIL": "t@example.org",
        "GIT_COMMITTER_NAME": "t",
        "GIT_COMMITTER_EMAIL": "t@example.org",
        "GIT_CONFIG_GLOBAL": os.devnull,
    }
    if when is not None:
        env["GIT_AUTHOR_DATE"] = env["GIT_COMMITTER_DATE"] = f"{when} +0000"
    subprocess.run([GIT or "git", *args], cwd=cwd, env=env, check=True, capture_output=True)


def analysis(path: Path) -> Path:
    return write(
        path,
        [md("intro-a", "# Analysis"), code("block-in-analysis", "x = 1\nx")],
    )


def same_mtime(root: Path) -> None:
    """What a fresh clone does: every file written in the same second."""
    for path in root.rglob("*.ipynb"):
        os.utime(path, ns=(1_700_000_000 * 10**9, 1_700_000_000 * 10**9))


@pytest.fixture
def cloned(jp_root_dir: Path, tmp_path: Path) -> Path:
    """A teammate's clone of a repository holding analysis.ipynb and its File >
    Duplicate copy, both committed together."""
    if GIT is None:
        pytest.skip("git is not installed here")
    origin = tmp_path / "origin"
    origin.mkdir()
    git(origin, "init", "-q")
    analysis(origin / "analysis.ipynb")
    shutil.copy(origin / "analysis.ipynb", origin / "analysis-Copy1.ipynb")
    write(origin / "notes.ipynb", [md("note-1", "See ((block-in-analysis)).")])
    git(origin, "add", ".")
    git(origin, "commit", "-q", "-m", "work")
    git(jp_root_dir, "clone", "-q", str(origin), "team")
    same_mtime(jp_root_dir)
    return jp_root_dir


@needs_git
async def test_a_clone_resolves_to_the_original_not_the_named_copy(cloned, blocks, tmp_path):
    status = await blocks.ready()
    # The reference resolves into the original, although the copy sorts first by name
    # and both files have one modification time
    assert (await blocks.get("block", "block-in-analysis"))["path"] == "team/analysis.ipynb"
    # Status names the copy, with the evidence
    [duplicate] = status["duplicates"]
    assert duplicate == {
        "path": "team/analysis-Copy1.ipynb",
        "original": "team/analysis.ipynb",
        "count": 2,
        "reason": "analysis-Copy1.ipynb is named as a copy of analysis.ipynb",
        "conclusive": True,
    }
    # And check says the same to a person, naming the copy and why
    # (a copy is reported, not a failure: every reference still shows a block)
    code_, report, text = run_check(cloned, tmp_path / "home")
    assert code_ == 0
    assert report["duplicates"][0]["path"] == "team/analysis-Copy1.ipynb"
    assert "team/analysis-Copy1.ipynb" in text and "named as a copy of analysis.ipynb" in text


@pytest.fixture
def named_copy(jp_root_dir: Path, request: Any) -> str:
    """A copy whose name sorts before the original's, with the same time."""
    analysis(jp_root_dir / "analysis.ipynb")
    shutil.copy(jp_root_dir / "analysis.ipynb", jp_root_dir / request.param)
    same_mtime(jp_root_dir)
    return str(request.param)


@pytest.mark.parametrize(
    "named_copy",
    [
        "analysis copy.ipynb",
        "analysis (1).ipynb",
        "Copy of analysis.ipynb",
        "analysis - Copy.ipynb",
    ],
    indirect=True,
)
async def test_copy_names_of_file_managers_and_browsers_are_evidence(named_copy, blocks):
    status = await blocks.ready()
    assert (await blocks.get("block", "block-in-analysis"))["path"] == "analysis.ipynb"
    assert [(d["path"], d["original"], d["reason"]) for d in status["duplicates"]] == [
        (named_copy, "analysis.ipynb", f"{named_copy} is named as a copy of analysis.ipynb")
    ]


async def _duplicates(blocks: Any) -> list[Any]:
    return list((await blocks.get("status"))["duplicates"])


@pytest.fixture
def history_root(jp_root_dir: Path, tmp_path: Path) -> Path:
    """No copy name; git history says which came first (a later commit)."""
    if GIT is None:
        pytest.skip("git is not installed here")
    origin = tmp_path / "origin"
    origin.mkdir()
    git(origin, "init", "-q")
    analysis(origin / "zeta.ipynb")
    git(origin, "add", ".")
    git(origin, "commit", "-q", "-m", "first", when=1_600_000_000)
    shutil.copy(origin / "zeta.ipynb", origin / "alpha.ipynb")
    git(origin, "add", ".")
    git(origin, "commit", "-q", "-m", "second", when=1_600_100_000)
    git(jp_root_dir, "clone", "-q", str(origin), "repo")
    same_mtime(jp_root_dir)
    return jp_root_dir


@needs_git
async def test_git_history_decides_when_names_do_not(history_root, blocks):
    status = await blocks.ready()
    assert (await blocks.get("block", "block-in-analysis"))["path"] == "repo/zeta.ipynb"
    [duplicate] = status["duplicates"]
    assert duplicate["path"] == "repo/alpha.ipynb" and duplicate["conclusive"] is True
    assert duplicate["reason"].startswith("git history: repo/zeta.ipynb was committed before")


@pytest.fixture
def twins(jp_root_dir: Path) -> Path:
    """Two notebooks with one id, no copy name, one time, no history."""
    analysis(jp_root_dir / "left.ipynb")
    shutil.copy(jp_root_dir / "left.ipynb", jp_root_dir / "right.ipynb")
    same_mtime(jp_root_dir)
    return jp_root_dir


async def test_without_evidence_the_verdict_says_it_is_not_conclusive(twins, blocks, tmp_path):
    status = await blocks.ready()
    [duplicate] = status["duplicates"]
    assert duplicate["conclusive"] is False
    assert duplicate["reason"].startswith("not conclusive")
    # The target is stable (first by name) rather than flipping
    assert (await blocks.get("block", "block-in-analysis"))["path"] == "left.ipynb"
    _, report, text = run_check(twins, tmp_path / "home")
    assert report["duplicates"][0]["conclusive"] is False
    assert "not conclusive" in text


async def test_the_index_remembers_which_notebook_held_the_ids_first(jp_root_dir, blocks):
    # Given an original the index already holds
    analysis(jp_root_dir / "zz-original.ipynb")
    await blocks.ready()
    await blocks.until(lambda: _has_block(blocks))
    # When a copy appears later, with an older time and a name that sorts first
    copy = jp_root_dir / "aa.ipynb"
    shutil.copy(jp_root_dir / "zz-original.ipynb", copy)
    os.utime(copy, ns=(1_500_000_000 * 10**9, 1_500_000_000 * 10**9))
    duplicates = await blocks.until(lambda: _duplicates(blocks))
    # Then the index's memory decides
    assert (await blocks.get("block", "block-in-analysis"))["path"] == "zz-original.ipynb"
    assert duplicates[0]["path"] == "aa.ipynb"
    assert duplicates[0]["reason"].startswith("the index held these ids in zz-original.ipynb")


async def _has_block(blocks: Any) -> bool:
    found = await blocks.get("search", q="Analysis")
    return bool(found["results"])
