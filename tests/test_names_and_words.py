"""Names that look the same are the same, and words are found as people type them
(issue 14, parts 3 and 4): NFD and NFC file names, search in scripts written without
spaces, symbols, titles ranked above mentions."""

from __future__ import annotations

import unicodedata
from pathlib import Path
from typing import Any

import pytest
from helpers import run_check
from ondisk import code, md, write

# Every test here runs on the SQLite store and on the PostgreSQL store.
pytestmark = pytest.mark.both_stores

NFC = unicodedata.normalize("NFC", "café-notes.ipynb")
NFD = unicodedata.normalize("NFD", "café-notes.ipynb")


def names_differ_on_disk(folder: Path) -> bool:
    """Whether this file system keeps NFC and NFD names apart (Linux does; macOS's
    normalizes), which the tests below need to mean anything."""
    probe = folder / unicodedata.normalize("NFD", "é-probe")
    probe.write_text("")
    try:
        return not (folder / unicodedata.normalize("NFC", "é-probe")).exists()
    finally:
        probe.unlink()


@pytest.fixture(params=["file NFD, link NFC", "file NFC, link NFD"])
def decomposed(jp_root_dir: Path, request: Any) -> tuple[str, str]:
    if not names_differ_on_disk(jp_root_dir):
        pytest.skip("this file system normalizes names itself")
    file_name, link_name = (NFD, NFC) if request.param.startswith("file NFD") else (NFC, NFD)
    write(jp_root_dir / file_name, [md("cafe-intro", "# Café notes"), code("cafe-code", "1")])
    write(
        jp_root_dir / "links.ipynb",
        [
            md("link-bare", f"Read [[{link_name}]] first."),
            md("link-ref", "And ((cafe-intro))."),
        ],
    )
    return file_name, link_name


async def test_a_link_and_a_file_name_match_in_either_normalization(
    decomposed, blocks, jp_root_dir, tmp_path
):
    file_name, link_name = decomposed
    await blocks.ready()
    # The link opens the file by its real name on disk
    reply = await blocks.get("notebook-link", target=link_name)
    assert reply["path"] == file_name
    # The notebook's backlinks hold the [[link]] and the reference, asked by either name
    for asked in (file_name, link_name):
        found = await blocks.get("notebook-backlinks", path=asked)
        assert {(b["id"], b["kind"]) for b in found["backlinks"]} == {
            ("link-bare", "notebook"),
            ("link-ref", "ref"),
        }
    # The block's path is the real name (what the frontend opens)
    assert (await blocks.get("block", "cafe-intro"))["path"] == file_name
    # The backlink counts of the notebook by the other name
    counts = await blocks.get("backlink-counts", path=link_name)
    assert counts["counts"] == {"cafe-intro": 1}
    # And check finds no broken link
    returncode, report, _ = run_check(jp_root_dir, tmp_path / "home")
    assert report["notebook_links"] == [] and returncode == 0, report


@pytest.fixture
def words(jp_root_dir: Path) -> Path:
    write(
        jp_root_dir / "words.ipynb",
        [
            md("zh", "本文介绍机器学习的基本方法，并比较几种模型。"),  # noqa: RUF001
            md("ja", "この記事では自然言語処理の基本を説明します。"),
            md("th", "บทความนี้อธิบายการเรียนรู้ของเครื่อง"),
            md("party", "Release day 🎉 for the team"),
            md("mixed", "Résumé: 東京 sales grew"),
            md("plain", "Nothing special here"),
        ],
    )
    return jp_root_dir


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("机器学习", ["zh"]),  # a word in the middle of a sentence
        ("基本方法", ["zh"]),
        ("本文", ["zh"]),
        ("模型", ["zh"]),
        ("学", ["zh"]),  # one character, in the middle
        ("自然言語処理", ["ja"]),
        ("説明", ["ja"]),
        ("การเรียนรู้", ["th"]),
        ("🎉", ["party"]),
        ("release 🎉", ["party"]),
        ("東京 sales", ["mixed"]),
        ("résumé", ["mixed"]),
        ("机器 方法", ["zh"]),  # two runs, each somewhere in the block
        ("学机", []),  # characters of the block, not in this order
    ],
)
async def test_search_finds_words_inside_runs_of_any_script(words, blocks, query, expected):
    await blocks.ready()
    found = await blocks.get("search", q=query)
    assert [r["id"] for r in found["results"]] == expected, found
    for result in found["results"]:
        # The excerpt shows the text itself, around what was found
        assert query.split()[0].lower() in result["snippet"].lower()


async def test_a_blocks_title_ranks_above_blocks_mentioning_its_words(jp_root_dir, blocks):
    write(
        jp_root_dir / "a-mentions.ipynb",
        [
            md("mention-1", "We computed the seasonal index twice; see the notes on season."),
            md("mention-2", "Season, seasonal, seasons: the season index again and again."),
        ],
    )
    write(jp_root_dir / "z-analysis.ipynb", [md("season-title", "# Seasonal index\n\nBy month.")])
    await blocks.ready()
    # What the (( completion asks as the user types
    for typed in ("season", "seasonal ind", "Seasonal index"):
        found = await blocks.get("search", q=typed)
        assert found["results"][0]["id"] == "season-title", (typed, found)
        assert found["results"][0]["title"] == "Seasonal index"
