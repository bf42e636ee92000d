"""Thirty kinds of broken or strange notebooks: the server never crashes, and each one is
indexed or skipped with a reason the user can see."""

from __future__ import annotations

import codecs
import json
from pathlib import Path

import pytest


def nb(cells: object, **extra: object) -> bytes:
    return json.dumps(
        {"nbformat": 4, "nbformat_minor": 5, "metadata": {}, "cells": cells, **extra}
    ).encode()


def md(source: object, **extra: object) -> dict:
    return {"cell_type": "markdown", "metadata": {}, "source": source, **extra}


def nested(depth: int) -> bytes:
    return ("[" * depth + "]" * depth).encode()


OUTPUTS = [
    {"output_type": "stream", "name": "stdout", "text": ["a\n", "b\n"]},
    {
        "output_type": "display_data",
        "metadata": {},
        "data": {"text/plain": "x", "image/png": "iVBORw0KGgo="},
    },
    {
        "output_type": "execute_result",
        "execution_count": 1,
        "metadata": {},
        "data": {"text/html": "<b>x</b>"},
    },
    {"output_type": "error", "ename": "E", "evalue": "v", "traceback": ["\x1b[31mE\x1b[0m"]},
    {"output_type": "mystery"},
]

# name -> (file bytes, expectation): ("indexed", number of blocks) or ("skipped", reason start)
CASES: dict[str, tuple[bytes, tuple[str, object]]] = {
    "invalid-json": (b"{ nope", ("skipped", "not valid JSON")),
    "truncated": (nb([md("x")])[:25], ("skipped", "not valid JSON")),
    "empty": (b"", ("skipped", "empty file")),
    "whitespace": (b"  \n\t ", ("skipped", "empty file")),
    "nbformat-5": (
        json.dumps({"nbformat": 5, "cells": []}).encode(),
        ("skipped", "nbformat 5 is not supported"),
    ),
    "nbformat-2": (
        json.dumps({"nbformat": 2, "cells": []}).encode(),
        ("skipped", "nbformat 2 is not supported"),
    ),
    "nbformat-string": (
        json.dumps({"nbformat": "4", "cells": []}).encode(),
        ("skipped", "not a notebook"),
    ),
    "no-cells": (
        json.dumps({"nbformat": 4, "nbformat_minor": 5}).encode(),
        ("skipped", "not a notebook"),
    ),
    "cells-not-list": (nb({"a": 1}), ("skipped", "not a notebook")),
    "array": (b"[1, 2]", ("skipped", "not a notebook")),
    "string": (b'"notebook"', ("skipped", "not a notebook")),
    "null": (b"null", ("skipped", "not a notebook")),
    "deep-nesting": (nested(5000), ("skipped", "not valid JSON")),
    "binary": (
        b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)),
        ("skipped", "not valid JSON"),
    ),
    "not-utf8": (b'{"nbformat": 4, "cells": [], "x": "\xff\xfe"}', ("skipped", "not valid JSON")),
    "utf16": (nb([md("x")]).decode().encode("utf-16"), ("skipped", "not valid JSON")),
    "bom": (codecs.BOM_UTF8 + nb([md("with a BOM")]), ("indexed", 1)),
    "unknown-cell-type": (
        nb([{"cell_type": "widget", "metadata": {}, "source": "?"}]),
        ("indexed", 1),
    ),
    "source-list": (nb([md(["line 1\n", "line 2"])]), ("indexed", 1)),
    "source-string": (nb([md("one string")]), ("indexed", 1)),
    "source-number": (nb([md(42)]), ("indexed", 1)),
    "cell-not-object": (nb(["a string", md("real")]), ("indexed", 1)),
    "every-output": (
        nb(
            [
                {
                    "cell_type": "code",
                    "metadata": {},
                    "source": "x",
                    "execution_count": 1,
                    "outputs": OUTPUTS,
                }
            ]
        ),
        ("indexed", 1),
    ),
    "huge-output": (
        nb(
            [
                {
                    "cell_type": "code",
                    "metadata": {},
                    "source": "big",
                    "execution_count": 1,
                    "outputs": [
                        {"output_type": "stream", "name": "stdout", "text": "y" * 5_000_000}
                    ],
                }
            ]
        ),
        ("indexed", 1),
    ),
    "ten-thousand-cells": (nb([md(f"cell {i}") for i in range(10_000)]), ("indexed", 10_000)),
    "duplicate-ids-inside": (nb([md("a", id="same"), md("b", id="same")]), ("indexed", 2)),
    "schema-breaking-ids": (
        nb([md("a", id="has space"), md("b", id="x" * 65), md("c", id=7)]),
        ("indexed", 3),
    ),
    "metadata-not-object": (nb([md("m")], metadata=[1, 2]), ("indexed", 1)),
    "nul-in-strings": (nb([md("before\x00after")]), ("indexed", 1)),
    "long-line-with-refs": (nb([md("((a)) " * 200_000)]), ("indexed", 1)),
    "nbformat-3": (
        json.dumps(
            {
                "nbformat": 3,
                "nbformat_minor": 0,
                "metadata": {},
                "worksheets": [
                    {
                        "cells": [{"cell_type": "markdown", "metadata": {}, "source": "old"}],
                        "metadata": {},
                    }
                ],
            }
        ).encode(),
        ("indexed", 1),
    ),
}


@pytest.fixture
def strange_root(jp_root_dir: Path) -> Path:
    for name, (data, _) in CASES.items():
        (jp_root_dir / f"{name}.ipynb").write_bytes(data)
    (jp_root_dir / "good.ipynb").write_bytes(nb([md("still served", id="good-cell")]))
    return jp_root_dir


async def test_each_strange_notebook_is_indexed_or_skipped_with_a_reason(strange_root, blocks):
    assert len(CASES) >= 30
    status = await blocks.ready(timeout=120)
    reasons = {s["path"]: s["reason"] for s in status["skipped"]}
    for name, (_, (outcome, detail)) in CASES.items():
        path = f"{name}.ipynb"
        if outcome == "skipped":
            assert reasons.get(path, "").startswith(str(detail)), (name, reasons.get(path))
        else:
            assert path not in reasons, (name, reasons[path])
    # Indexed ones hold the blocks they should
    expected_blocks = 1 + sum(d for _, (o, d) in CASES.values() if o == "indexed")  # type: ignore[misc]
    assert status["blocks"] == expected_blocks
    # Duplicate ids inside one notebook are reported; the first cell wins
    assert {
        "path": "duplicate-ids-inside.ipynb",
        "original": "duplicate-ids-inside.ipynb",
        "count": 1,
        "reason": "these ids are repeated by cells of this notebook",
        "conclusive": True,
    } in status["duplicates"]
    assert (await blocks.get("block", "same"))["source"] == "a"
    # Ids that break the schema are treated as no id at all
    found = await blocks.get("search", q="schema")
    assert all(r["id"] is None for r in found["results"])
    # And the server keeps serving
    assert (await blocks.get("block", "good-cell"))["source"] == "still served"
