"""The shared specification of the block syntax (spec/syntax-cases.json), run against
the server's parser. The frontend's jest suite runs the same table, so the page and the
index cannot disagree about what is a reference."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from jupyter_blocks.links.labels import label_of, with_label
from jupyter_blocks.links.patch import merge_patch
from jupyter_blocks.links.refs import Reference, find_references, reference_spans
from jupyter_blocks.links.titles import block_title

SPEC = json.loads((Path(__file__).parents[1] / "spec" / "syntax-cases.json").read_text())


def as_json(refs: list[Reference]) -> list[dict[str, Any]]:
    found = []
    for r in refs:
        item: dict[str, Any] = {"kind": r.kind, "target": r.target}
        if r.facet:
            item["facet"] = r.facet
        if r.output is not None:
            item["output"] = r.output
        if r.patch is not None:
            item["patch"] = r.patch
        found.append(item)
    return found


@pytest.mark.parametrize("case", SPEC["references"], ids=lambda c: c["name"])
def test_references(case: dict[str, Any]) -> None:
    # Given a markdown cell's source / When the server parses it
    source = case["markdown"]
    spans = reference_spans(source)
    # Then it finds the references of the specification, in order
    assert as_json(find_references(source)) == case["references"]
    # And each span is the syntax as written in the source
    for (start, end, ref), expected in zip(spans, case["references"], strict=True):
        written = source[start:end]
        assert written.startswith(("((", "{{", "[[")) and written.endswith(("))", "}}", "]]"))
        assert ref.kind == expected["kind"]


@pytest.mark.parametrize("case", SPEC["generated"], ids=lambda c: c["name"])
def test_generated_inputs(case: dict[str, Any]) -> None:
    # Given a large input built to be slow (backtracking, markup) / Then it completes
    source = "".join(part * times for part, times in case["parts"])
    assert as_json(find_references(source)) == case["references"]


@pytest.mark.parametrize("case", SPEC["titles"], ids=lambda c: c["name"])
def test_titles(case: dict[str, Any]) -> None:
    title = block_title(case["source"], case.get("cell_type", "markdown"), case.get("titles"))
    assert title == case["title"]


@pytest.mark.parametrize("case", SPEC["merge_patch"], ids=lambda c: json.dumps(c["patch"]))
def test_merge_patch(case: dict[str, Any]) -> None:
    target = json.loads(json.dumps(case["target"]))
    assert merge_patch(target, case["patch"]) == case["result"]
    assert target == case["target"]  # the original is left as it was


@pytest.mark.parametrize("case", SPEC["labels"], ids=lambda c: c["name"])
def test_labels(case: dict[str, Any]) -> None:
    # Given a cell / Then it declares the label of the specification (or none)
    assert label_of(case["cell_type"], case["source"]) == case["label"]
    if case["cell_type"] in ("code", "markdown"):
        # And a new label written in the cell's own form is the label it then declares
        relabelled = with_label(case["cell_type"], case["source"], "new-name")
        assert label_of(case["cell_type"], relabelled) == "new-name"
        assert relabelled.count("new-name") == 1
