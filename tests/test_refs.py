"""Tests for jupyter_blocks.refs: finding block references in markdown source."""

from __future__ import annotations

import pytest

from jupyter_blocks.refs import (
    BLOCK_ID_RE,
    Facet,
    Reference,
    find_references,
    is_block_id,
    reference_spans,
)

UUID = "3f2b1c9e-7a4d-4e0b-9c1a-2d5e6f7a8b9c"
ID64 = "a" * 64
ID65 = "a" * 65


def ref(target: str) -> Reference:
    return Reference("ref", target)


def embed(target: str, facet: Facet | None = None) -> Reference:
    return Reference("embed", target, facet)


def nb(path: str) -> Reference:
    return Reference("notebook", path)


# --- inline references -------------------------------------------------------------


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        pytest.param("See ((abc)).", [ref("abc")], id="plain"),
        pytest.param(f"(({UUID}))", [ref(UUID)], id="uuid"),
        pytest.param("((a)) and ((b)), ((a))", [ref("a"), ref("b"), ref("a")], id="several"),
        pytest.param("((a))((b))", [ref("a"), ref("b")], id="adjacent"),
        pytest.param("((my-id_2))", [ref("my-id_2")], id="dash-underscore"),
        pytest.param("((_abc_))", [ref("_abc_")], id="underscores-as-emphasis"),
        pytest.param("((__init__))", [ref("__init__")], id="underscores-as-strong"),
        pytest.param("((-x-))", [ref("-x-")], id="leading-dash"),
        pytest.param("((_x))", [ref("_x")], id="leading-underscore"),
        pytest.param("(((abc)))", [ref("abc")], id="extra-parens"),
        pytest.param(f"(({ID64}))", [ref(ID64)], id="64-chars"),
        pytest.param("*((abc))*", [ref("abc")], id="in-emphasis"),
        pytest.param("**((abc))**", [ref("abc")], id="in-strong"),
        pytest.param("~~((abc))~~", [ref("abc")], id="in-strikethrough"),
        pytest.param("[see ((abc))](http://x.org)", [ref("abc")], id="in-link-text"),
        pytest.param("- one\n- two ((abc))", [ref("abc")], id="in-list"),
        pytest.param("1. ((abc))", [ref("abc")], id="in-ordered-list"),
        pytest.param("# Title ((abc))", [ref("abc")], id="in-atx-heading"),
        pytest.param("Title ((abc))\n===", [ref("abc")], id="in-setext-heading"),
        pytest.param("> quoted ((abc))", [ref("abc")], id="in-blockquote"),
        pytest.param("> > ((abc))", [ref("abc")], id="in-nested-blockquote"),
        pytest.param(
            "| a | b |\n|---|---|\n| ((x)) | ((y)) |", [ref("x"), ref("y")], id="in-table"
        ),
        pytest.param("<b>((abc))</b>", [ref("abc")], id="between-inline-html-tags"),
        pytest.param("line one\n((abc)) line two", [ref("abc")], id="after-softbreak"),
        pytest.param("a\\\n((abc))", [ref("abc")], id="after-hardbreak"),
        pytest.param("\\\\((abc))", [ref("abc")], id="after-escaped-backslash"),
    ],
)
def test_inline_references(source: str, expected: list[Reference]) -> None:
    # Given markdown with inline references / When searched / Then they are found in order
    assert find_references(source) == expected


@pytest.mark.parametrize(
    "source",
    [
        pytest.param(f"(({ID65}))", id="65-chars"),
        pytest.param("((a b))", id="space"),
        pytest.param("((a.b))", id="dot"),
        pytest.param("((a/b))", id="slash"),
        pytest.param("((é))", id="non-ascii"),
        pytest.param("(())", id="empty"),
        pytest.param("((abc)", id="unclosed"),
        pytest.param("(abc))", id="single-open"),
        pytest.param("( (abc))", id="split-open"),
        pytest.param("((a*b*c))", id="star-emphasis-is-not-id"),
        pytest.param("((ab\ncd))", id="across-line"),
        pytest.param("\\(\\(abc))", id="escaped-parens"),
        pytest.param("(\\(abc))", id="one-escaped-paren"),
        pytest.param("((abc\\))", id="escaped-close"),
        pytest.param("&#40;&#40;abc))", id="entity-parens"),
        pytest.param("([](u)(abc))", id="empty-link-does-not-join-parens"),
        pytest.param("(([abc](u)))", id="id-is-a-link"),
        pytest.param("Just text with (parens) and [brackets].", id="no-syntax"),
    ],
)
def test_not_inline_references(source: str) -> None:
    # Given text that only looks like a reference / Then nothing is found
    assert find_references(source) == []


# --- embeds ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        pytest.param("{{embed ((abc))}}", [embed("abc")], id="whole"),
        pytest.param("{{embed ((abc)) source}}", [embed("abc", "source")], id="source"),
        pytest.param("{{embed ((abc)) outputs}}", [embed("abc", "outputs")], id="outputs"),
        pytest.param(
            "{{ embed ((abc))  outputs }}", [embed("abc", "outputs")], id="spaces-everywhere"
        ),
        pytest.param("{{\tembed\t((abc))\tsource\t}}", [embed("abc", "source")], id="tabs"),
        pytest.param("{{embed((abc))}}", [embed("abc")], id="no-space"),
        pytest.param("{{embed ((_abc_))}}", [embed("_abc_")], id="emphasis-like-id"),
        pytest.param(
            "Before {{embed ((a))}} mid ((b)) {{embed ((c)) source}}",
            [embed("a"), ref("b"), embed("c", "source")],
            id="mixed-order",
        ),
        pytest.param("- {{embed ((abc))}}", [embed("abc")], id="in-list"),
        pytest.param("> {{embed ((abc)) outputs}}", [embed("abc", "outputs")], id="in-quote"),
    ],
)
def test_embeds(source: str, expected: list[Reference]) -> None:
    # Given embeds / Then each is reported once, without a duplicate "ref" for its id
    assert find_references(source) == expected


@pytest.mark.parametrize(
    "source",
    [
        pytest.param("{{embed ((abc)) bogus}}", id="unknown-facet"),
        pytest.param("{{embed ((abc)) Source}}", id="facet-is-lowercase"),
        pytest.param("{{embed ((abc)) source outputs}}", id="two-facets"),
        pytest.param("{{embed ((abc))}", id="one-closing-brace"),
        pytest.param("{embed ((abc))}}", id="one-opening-brace"),
        pytest.param("{{embedded ((abc))}}", id="other-word"),
        pytest.param("{{Embed ((abc))}}", id="keyword-is-lowercase"),
        pytest.param("{{embed\n((abc))}}", id="across-line"),
    ],
)
def test_broken_embed_is_plain_reference(source: str) -> None:
    # Given an embed that is not valid / Then its ((id)) is still an ordinary reference
    assert find_references(source) == [ref("abc")]


def test_embed_with_invalid_id_is_nothing() -> None:
    assert find_references(f"{{{{embed (({ID65}))}}}}") == []


# --- notebook links ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        pytest.param("[[analysis.ipynb]]", [nb("analysis.ipynb")], id="bare-name"),
        pytest.param("[[path/to/nb.ipynb]]", [nb("path/to/nb.ipynb")], id="path"),
        pytest.param("[[a/b c.ipynb]]", [nb("a/b c.ipynb")], id="space-in-path"),
        pytest.param("[[ a/b.ipynb ]]", [nb("a/b.ipynb")], id="stripped"),
        pytest.param("[[Report.IPYNB]]", [nb("Report.IPYNB")], id="extension-any-case"),
        pytest.param("[[../up/x.ipynb]]", [nb("../up/x.ipynb")], id="as-written"),
        pytest.param("[[my_notes_v2.ipynb]]", [nb("my_notes_v2.ipynb")], id="underscores"),
        pytest.param("[[_draft_.ipynb]]", [nb("_draft_.ipynb")], id="emphasis-like"),
        pytest.param("[[[a.ipynb]]]", [nb("a.ipynb")], id="extra-brackets"),
        pytest.param(
            "[[a.ipynb]] then ((x)) then [[b.ipynb]]",
            [nb("a.ipynb"), ref("x"), nb("b.ipynb")],
            id="mixed-order",
        ),
        pytest.param("| [[a.ipynb]] |\n|---|", [nb("a.ipynb")], id="in-table"),
        pytest.param("## See [[a.ipynb]]", [nb("a.ipynb")], id="in-heading"),
    ],
)
def test_notebook_links(source: str, expected: list[Reference]) -> None:
    assert find_references(source) == expected


@pytest.mark.parametrize(
    "source",
    [
        pytest.param("[[x.md]]", id="not-a-notebook"),
        pytest.param("[[x.ipynb.bak]]", id="ipynb-not-at-end"),
        pytest.param("[[x.ipynb]", id="unclosed"),
        pytest.param("[x.ipynb]]", id="single-open"),
        pytest.param("[[a\nb.ipynb]]", id="newline"),
        pytest.param("[[a[b.ipynb]]", id="open-bracket-inside"),
        pytest.param("[[a]b.ipynb]]", id="close-bracket-inside"),
        pytest.param("[[a `b` c.ipynb]]", id="code-span-inside"),
        pytest.param("[[a\\_b.ipynb]]", id="escape-inside"),
        pytest.param("\\[\\[a.ipynb]]", id="escaped-brackets"),
        pytest.param("[[a.ipynb]](http://x.org)", id="is-a-markdown-link"),
    ],
)
def test_not_notebook_links(source: str) -> None:
    assert find_references(source) == []


def test_non_notebook_link_does_not_hide_references_inside() -> None:
    # Given a [[...]] that is not a notebook link / Then a ((id)) inside it still counts
    assert find_references("[[see ((abc)) in x.md]]") == [ref("abc")]


# --- code is never parsed ----------------------------------------------------------


@pytest.mark.parametrize(
    "source",
    [
        pytest.param("`((abc))`", id="code-span-1"),
        pytest.param("``((abc))``", id="code-span-2"),
        pytest.param("`` `((abc))` ``", id="code-span-2-with-backtick-inside"),
        pytest.param("```((abc))```", id="code-span-3-inline"),
        pytest.param("`{{embed ((abc))}}`", id="embed-in-code-span"),
        pytest.param("`[[a.ipynb]]`", id="notebook-in-code-span"),
        pytest.param("`((abc\n))`", id="code-span-across-lines"),
        pytest.param("(`(abc)`)", id="code-span-splits-parens"),
        pytest.param("```\n((abc))\n```", id="backtick-fence"),
        pytest.param("~~~\n((abc))\n~~~", id="tilde-fence"),
        pytest.param("```python\n[[a.ipynb]]\n```", id="fence-with-info"),
        pytest.param("````\n```\n((abc))\n```\n````", id="fence-in-fence"),
        pytest.param("    ((abc))", id="indented-code"),
        pytest.param("Para\n\n    {{embed ((abc))}}", id="indented-code-after-para"),
        pytest.param("- item\n\n  ```\n  ((abc))\n  ```", id="fence-in-list"),
        pytest.param("> ```\n> ((abc))\n> ```", id="fence-in-blockquote"),
        pytest.param("```\nnever closed\n\n((abc))\n\n[[a.ipynb]]", id="unclosed-fence"),
        pytest.param("~~~\nnever closed\n((abc))", id="unclosed-tilde-fence"),
    ],
)
def test_code_is_not_parsed(source: str) -> None:
    # Given references only inside code / Then nothing is found
    assert find_references(source) == []


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        pytest.param("`((a))` but ((b))", [ref("b")], id="code-then-ref"),
        pytest.param("``x`` ((b)) ``((c))``", [ref("b")], id="ref-between-code-spans"),
        pytest.param("```\n((a))\n```\n\n((b))", [ref("b")], id="after-closed-fence"),
        pytest.param("    ((a))\n\n((b))", [ref("b")], id="after-indented-code"),
        pytest.param("`x`((b))", [ref("b")], id="touching-code-span"),
        # An unmatched backtick is literal text, not a code span.
        pytest.param("a ` ((b))", [ref("b")], id="unmatched-backtick"),
        pytest.param("``((b))`", [ref("b")], id="unmatched-backtick-run"),
        pytest.param("`((a))`` ((b))", [ref("a"), ref("b")], id="run-lengths-differ"),
        pytest.param("\\`((b))`", [ref("b")], id="escaped-backtick"),
        # Text after a list is not indented code even when it is indented.
        pytest.param("- a\n\n    ((b))", [ref("b")], id="list-continuation"),
        pytest.param("para\n    ((b))", [ref("b")], id="lazy-paragraph-continuation"),
    ],
)
def test_code_lookalikes(source: str, expected: list[Reference]) -> None:
    assert find_references(source) == expected


# --- HTML is not parsed ------------------------------------------------------------


@pytest.mark.parametrize(
    "source",
    [
        pytest.param("<div>\n((abc))\n</div>", id="html-block"),
        pytest.param("<!-- ((abc)) -->", id="html-comment-block"),
        pytest.param("text <!-- ((abc)) --> text", id="html-comment-inline"),
        pytest.param("<span title='((abc))'>x</span>", id="attribute"),
        pytest.param("<http://x.org/((abc))>", id="autolink-url"),
        pytest.param("![((abc))](img.png)", id="image-alt"),
    ],
)
def test_html_is_not_parsed(source: str) -> None:
    assert find_references(source) == []


def test_text_after_html_block_is_parsed() -> None:
    # Given an HTML block that ends at a blank line / Then the next paragraph is parsed
    assert find_references("<div>\n((a))\n</div>\n\n((b))") == [ref("b")]


# --- input shapes ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        pytest.param("", [], id="empty-string"),
        pytest.param([], [], id="empty-list"),
        pytest.param("   \n\n", [], id="blank"),
        pytest.param(
            ["# Title\n", "See ((a))\n", "and [[b.ipynb]]"],
            [ref("a"), nb("b.ipynb")],
            id="list-of-lines",
        ),
        pytest.param(["((a", "bc))"], [ref("abc")], id="list-joined-without-separator"),
        pytest.param(["```\n", "((a))\n", "```\n", "((b))"], [ref("b")], id="list-with-fence"),
        pytest.param("((a))\r\n((b))\r\n", [ref("a"), ref("b")], id="crlf"),
        pytest.param("x\x00((a))", [ref("a")], id="nul-in-source"),
    ],
)
def test_input_shapes(source: str | list[str], expected: list[Reference]) -> None:
    assert find_references(source) == expected


# --- size and pathological input ---------------------------------------------------


def test_one_megabyte_of_markdown() -> None:
    # Given ~1 MB of realistic markdown with references and code decoys
    chunk = "Para ((abc)) and [[dir/x.ipynb]] with `((code))`.\n\n```\n((fenced))\n```\n\n"
    count = 1_000_000 // len(chunk) + 1
    # When searched / Then every real reference is found, no decoy
    result = find_references(chunk * count)
    assert result == [ref("abc"), nb("dir/x.ipynb")] * count


def test_one_megabyte_without_syntax_takes_fast_path() -> None:
    assert find_references("plain words (x) [y] " * 50_000) == []


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        pytest.param("((" * 100_000, [], id="open-parens"),
        pytest.param("((" * 100_000 + "abc))", [ref("abc")], id="open-parens-then-ref"),
        pytest.param("((" + "a" * 100_000 + "))", [], id="very-long-id"),
        pytest.param("[[" + "a" * 100_000, [], id="unclosed-notebook-link"),
        pytest.param("[[" + "a.ipynb " * 20_000, [], id="many-ipynb-unclosed"),
        pytest.param("[[" + " " * 100_000 + "x", [], id="many-spaces"),
        pytest.param("{{embed ((" * 20_000, [], id="open-embeds"),
        pytest.param("{{embed ((a))" + " " * 100_000, [ref("a")], id="embed-trailing-spaces"),
        pytest.param(
            "{{embed ((a)) source" + "\t" * 100_000, [ref("a")], id="embed-facet-trailing-tabs"
        ),
        pytest.param("{{" + " " * 100_000 + "x", [], id="embed-leading-spaces"),
        pytest.param("{{embed ((a)) " * 20_000, [ref("a")] * 20_000, id="many-open-embeds"),
        pytest.param("[[a.ipynb" + " " * 100_000 + "x", [], id="notebook-trailing-spaces"),
        pytest.param("[[" + ".ipynb  " * 20_000, [], id="notebook-ipynb-and-spaces"),
        pytest.param("[[" * 20_000, [], id="open-brackets"),
        pytest.param("*(" * 50_000, [], id="emphasis-and-parens"),
        pytest.param("((a))" * 50_000, [ref("a")] * 50_000, id="many-refs"),
    ],
)
def test_pathological_input_completes(source: str, expected: list[Reference]) -> None:
    # Given input built to trigger regex backtracking / Then it completes correctly
    assert find_references(source) == expected


# --- ids ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "valid"),
    [
        ("abc", True),
        (UUID, True),
        ("a", True),
        ("_-_", True),
        (ID64, True),
        (ID65, False),
        ("", False),
        ("a b", False),
        ("a.b", False),
        ("é", False),
        ("abc\n", False),
        ("((abc))", False),
    ],
)
def test_is_block_id(value: str, valid: bool) -> None:
    assert is_block_id(value) is valid
    assert (BLOCK_ID_RE.fullmatch(value) is not None) is valid


def test_reference_is_frozen_and_hashable() -> None:
    r = Reference("embed", "abc", "source")
    assert r == embed("abc", "source")
    assert len({r, embed("abc", "source"), ref("abc")}) == 2
    with pytest.raises(AttributeError):
        r.target = "x"  # type: ignore[misc]


@pytest.mark.parametrize(
    "source",
    [
        "See ((a)) and `((b))`",
        "```\n((c))\n```\n\n{{embed ((d)) outputs}} [[x.ipynb]]",
        "- item ((e))\n\n    ((indented))\n\n<div>((html))</div>\n\n[link ((f))](u)",
        "((_g_)) and **((h))** ~~((i))~~",
    ],
)
def test_reference_spans_agree_with_find_references(source):
    # Given a markdown source, the spans found for rewriting it
    spans = reference_spans(source)
    # Then they are the same references, in order, and each span is exactly its syntax
    assert [ref for _, _, ref in spans] == find_references(source)
    for start, end, ref in spans:
        assert ref.target in source[start:end]
