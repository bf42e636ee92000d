"""Labels as reference targets, backlinks as the panel reads them, and what status and
check say of labels, patches and cells too costly to parse (issues 13, 15, 19)."""

from __future__ import annotations

import json
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


def sources_of(path: Path) -> list[str]:
    return ["".join(c["source"]) for c in json.loads(path.read_text())["cells"]]


async def test_a_label_shadowed_by_an_id_can_be_renamed_out_of_the_clash(labelled, blocks):
    await blocks.ready()
    # ((intro-cell)) reaches the block with that id, never clash-cell's label: renaming
    # the label is how the clash is settled, and the reference stays where it points
    reply = await blocks.post("rename-label", body={"label": "intro-cell", "new": "fig-two"})
    assert reply["written"] == [{"path": "analysis.ipynb", "cells": [3]}]
    assert sources_of(labelled / "analysis.ipynb")[3] == "#| label: fig-two\n2"
    assert sources_of(labelled / "notes.ipynb")[2] == "Or ((intro-cell)) itself."
    await blocks.ready()
    assert (await blocks.get("block", "fig-two"))["id"] == "clash-cell"
    status = await blocks.get("status")
    assert "intro-cell" not in {c["label"] for c in status["labels"]}


@pytest.mark.parametrize("value", ["true", "null", "1.5", "2024", "2024-01-05", "1:30", "off"])
async def test_a_label_yaml_reads_as_no_name_is_refused_and_not_read(labelled, blocks, value: str):
    await blocks.ready()
    before = (labelled / "analysis.ipynb").read_bytes()
    for route, body in (
        ("label", {"cell_type": "code", "source": "x = 1", "label": value}),
        ("rename-label", {"label": "fig-sales", "new": value}),
    ):
        status, message = await blocks.error(route, method="POST", body=body)
        assert status == 400 and "boolean, a number, a date or nothing" in message
    assert (labelled / "analysis.ipynb").read_bytes() == before
    # Written by hand, Quarto reads it as no name: neither does the index
    write(labelled / "yaml.ipynb", [code("yaml-cell", f"#| label: {value}\nx")])

    async def indexed() -> bool:
        return (await blocks.get("status"))["blocks"] == 8

    await blocks.until(indexed)
    assert (await blocks.get("block", "yaml-cell"))["label"] is None


async def test_a_label_renamed_in_a_crlf_cell_keeps_its_line_breaks(jp_root_dir, blocks):
    write(jp_root_dir / "win.ipynb", [code("win-cell", "#| label: fig-old\r\nplot()\r\n")])
    await blocks.ready()
    reply = await blocks.post("rename-label", body={"label": "fig-old", "new": "fig-new"})
    assert reply["written"] == [{"path": "win.ipynb", "cells": [0]}]
    assert sources_of(jp_root_dir / "win.ipynb") == ["#| label: fig-new\r\nplot()\r\n"]
    reply = await blocks.post(
        "label", body={"cell_type": "markdown", "source": "Hello\r\nthere", "label": "sec-a"}
    )
    assert reply["source"] == "(sec-a)=\r\nHello\r\nthere"
