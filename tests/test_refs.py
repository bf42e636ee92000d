"""jupyter_blocks.links.refs beyond the shared table (spec/syntax-cases.json, run by
test_syntax_spec.py): its Python API, input shapes, and the parse-cost cap."""

from __future__ import annotations

import pytest

from jupyter_blocks.links.refs import (
    BLOCK_ID_RE,
    MAX_PARSE_COST,
    Reference,
    find_references,
    is_block_id,
    is_target,
    parse_cost,
    reference_spans,
)

UUID = "3f2b1c9e-7a4d-4e0b-9c1a-2d5e6f7a8b9c"


def ref(target: str) -> Reference:
    return Reference("ref", target)


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        pytest.param([], [], id="empty-list"),
        pytest.param(
            ["# Title\n", "See ((a))\n", "and [[b.ipynb]]"],
            [ref("a"), Reference("notebook", "b.ipynb")],
            id="list-of-lines",
        ),
        pytest.param(["((a", "bc))"], [ref("abc")], id="lines-joined-without-separator"),
        pytest.param(["```\n", "((a))\n", "```\n", "((b))"], [ref("b")], id="lines-with-fence"),
    ],
)
def test_source_as_list_of_lines(source: list[str], expected: list[Reference]) -> None:
    # Given a source as nbformat writes it on disk / Then it reads as the joined text
    assert find_references(source) == expected


def test_a_realistic_large_cell_is_parsed_whole() -> None:
    # Given ~100 KB of ordinary markdown with references and code decoys
    chunk = "Para ((abc)) and [[dir/x.ipynb]] with `((code))`.\n\n```\n((fenced))\n```\n\n"
    source = chunk * 1500
    assert parse_cost(source) < MAX_PARSE_COST
    # Then every real reference is found, no decoy
    assert find_references(source) == [ref("abc"), Reference("notebook", "dir/x.ipynb")] * 1500


def test_a_cell_over_the_parse_cost_is_not_searched() -> None:
    # Given a cell whose markup would take seconds to parse (20,000 "[" and a reference)
    source = "[" * 20_000 + " ((a))"
    # Then it is not searched at all (the indexer keeps it as text and reports it)
    assert parse_cost(source) > MAX_PARSE_COST
    assert find_references(source) == []


def test_one_megabyte_without_syntax_takes_the_fast_path() -> None:
    assert find_references("plain words (x) [y] " * 50_000) == []


@pytest.mark.parametrize(
    ("value", "block_id", "target"),
    [
        ("abc", True, True),
        (UUID, True, True),
        ("_-_", True, True),
        ("a" * 64, True, True),
        ("a" * 65, False, False),
        ("", False, False),
        ("a b", False, False),
        ("fig:sales.v2", False, True),
        (".a", False, False),
        ("é", False, False),
        ("abc\n", False, False),
        ("((abc))", False, False),
    ],
)
def test_ids_and_targets(value: str, block_id: bool, target: bool) -> None:
    assert is_block_id(value) is block_id
    assert (BLOCK_ID_RE.fullmatch(value) is not None) is block_id
    assert is_target(value) is target


def test_reference_is_frozen_and_hashable() -> None:
    r = Reference("embed", "abc", "source")
    assert r == Reference("embed", "abc", "source")
    assert len({r, Reference("embed", "abc", "source"), ref("abc")}) == 2
    with pytest.raises(AttributeError):
        r.target = "x"  # type: ignore[misc]


def test_spans_are_the_syntax_as_written() -> None:
    source = 'x {{ embed ((d))  outputs[1] with {"a": {"b": 1}} }} and \\\\((e))'
    spans = reference_spans(source)
    assert [source[s:e] for s, e, _ in spans] == [
        '{{ embed ((d))  outputs[1] with {"a": {"b": 1}} }}',
        "((e))",
    ]
    assert spans[0][2] == Reference("embed", "d", "outputs", 1, '{"a": {"b": 1}}')
