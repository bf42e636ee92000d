"""Labels as reference targets, backlinks as the panel reads them, and what status and
check say of labels, patches and cells too costly to parse (issues 13, 15, 19)."""

from __future__ import annotations

from pathlib import Path

import pytest
from helpers import run_check
from ondisk import code, md, write

from jupyter_blocks.notebooks.notebook import MAX_PARSE_COST

# Every test here runs on the SQLite store and on the PostgreSQL store.
pytestmark = pytest.mark.both_stores


@pytest.fixture
def labelled(jp_root_dir: Path) -> Path:
    write(
        jp_root_dir / "analysis.ipynb",
        [
            md("intro-cell", "(analysis-intro)=\n# Monthly analysis"),
            code("plot-cell", "#| label: fig-sales\n# Sales by month\nplot()"),
            code("other-cell", "#| label: fig-sales\n# The same label again\n1"),
            code("clash-cell", "#| label: intro-cell\n2"),  # a label that is an id
        ],
    )
    write(
        jp_root_dir / "notes.ipynb",
        [
            md(
                "both-kinds",
                "See ((fig-sales)) and again:\n\n{{embed ((fig-sales))}}\n\nand ((plot-cell)).",
            ),
            md("by-label", "Start at ((analysis-intro))."),
            md("by-id", "Or ((intro-cell)) itself."),
        ],
    )
    return jp_root_dir


async def test_a_label_resolves_like_an_id(labelled, blocks):
    await blocks.ready()
    block = await blocks.get("block", "analysis-intro")
    assert (block["id"], block["label"], block["path"]) == (
        "intro-cell",
        "analysis-intro",
        "analysis.ipynb",
    )
    # The first block declaring a label is its target
    assert (await blocks.get("block", "fig-sales"))["id"] == "plot-cell"
    # An id wins over a label that is the same word
    assert (await blocks.get("block", "intro-cell"))["label"] == "analysis-intro"
    # Many at once, labels and ids mixed, each titled
    resolved = await blocks.post("resolve", body={"ids": ["fig-sales", "intro-cell"]})
    assert resolved["blocks"]["fig-sales"]["title"] == "Sales by month"
    assert resolved["blocks"]["intro-cell"]["title"] == "Monthly analysis"


async def test_backlinks_of_a_block_count_references_by_label_and_by_id(labelled, blocks):
    await blocks.ready()
    reply = await blocks.get("backlinks", "intro-cell")
    assert {b["id"] for b in reply["backlinks"]} == {"by-label", "by-id"}
    counts = await blocks.get("backlink-counts", path="analysis.ipynb")
    assert counts["counts"] == {"intro-cell": 2, "plot-cell": 1}


async def test_a_backlink_is_one_entry_per_cell_with_its_kinds_and_marks(labelled, blocks):
    await blocks.ready()
    reply = await blocks.get("backlinks", "plot-cell")
    [entry] = reply["backlinks"]
    assert entry["id"] == "both-kinds"
    assert sorted(entry["kinds"]) == ["embed", "ref"]
    # The text reads as the cell renders: references shown by their targets' titles,
    # and each place a reference to this block shows is marked
    text = entry["text"]
    assert "((" not in text and "{{embed" not in text
    marked = [text[start:end] for start, end in entry["marks"]]
    assert len(marked) == 3 and set(marked) == {"Sales by month"}, (text, entry["marks"])
    assert entry["title"].startswith("See Sales by month")


async def test_status_and_check_name_label_clashes(labelled, blocks, tmp_path):
    status = await blocks.ready()
    clashes = {(c["label"], c["id"], c["clash"]) for c in status["labels"]}
    assert clashes == {
        ("fig-sales", "plot-cell", "label"),
        ("fig-sales", "other-cell", "label"),
        ("intro-cell", "clash-cell", "id"),
    }
    returncode, report, text = run_check(labelled, tmp_path / "home")
    assert {(c["label"], c["id"]) for c in report["labels"]} == {
        ("fig-sales", "plot-cell"),
        ("fig-sales", "other-cell"),
        ("intro-cell", "clash-cell"),
    }
    assert "fig-sales" in text and "intro-cell" in text
    assert returncode == 0  # every reference still shows a block


@pytest.fixture
def costly(jp_root_dir: Path) -> Path:
    # A markdown cell whose references cost more than the parser's cap: searchable,
    # its references not indexed, and said so
    heavy = "((" * (MAX_PARSE_COST // 2 + 10)
    write(
        jp_root_dir / "heavy.ipynb",
        [md("heavy-cell", f"needle {heavy}"), md("fine", "((heavy-cell))")],
    )
    write(
        jp_root_dir / "patches.ipynb",
        [
            code("chart", "chart()"),
            md("good-patch", '{{embed ((chart)) outputs with {"title": "Q3"}}}'),
            md("bad-patch", '{{embed ((chart)) outputs with {"title": Q3}}}'),
        ],
    )
    return jp_root_dir


async def test_status_names_cells_too_costly_to_parse(costly, blocks):
    status = await blocks.ready()
    [partial] = status["partial"]
    assert partial["path"] == "heavy.ipynb"
    assert "cell 1" in partial["reason"] and "not indexed" in partial["reason"]
    # The cell is still searchable, and the notebook's other references count
    found = await blocks.get("search", q="needle")
    assert [r["id"] for r in found["results"]] == ["heavy-cell"]
    assert {b["id"] for b in (await blocks.get("backlinks", "heavy-cell"))["backlinks"]} == {"fine"}


async def test_check_fails_on_an_embed_whose_patch_is_not_json(costly, tmp_path):
    returncode, report, text = run_check(costly, tmp_path / "home")
    assert returncode == 1
    assert [(p["id"], p["target"]) for p in report["patches"]] == [("bad-patch", "chart")]
    assert "not valid JSON" in report["patches"][0]["reason"]
    assert [p["path"] for p in report["partial"]] == ["heavy.ipynb"]
    assert "patches.ipynb cell 3" in text
