"""The block syntax: where ``((id))``, ``{{embed ((id))}}`` and ``[[path.ipynb]]`` are
written in a markdown cell, and what they say.

The specification is ``spec/syntax-cases.json``: a table of markdown inputs and the
references and titles they hold, run by this module's tests and by the frontend's
(``src/syntax.ts``), which implements the same steps with markdown-it (JavaScript) as
this one does with markdown-it-py. In short:

- ``((target))`` is a reference, ``{{embed ((target))}}`` an embed, optionally with a
  facet: ``source``, ``outputs``, ``outputs[n]`` (the n-th output, from 0), and after
  an ``outputs`` facet ``with {...}``, a JSON merge patch (RFC 7396) for a Vega-Lite
  output. ``[[path.ipynb]]`` links a notebook. A target is a block id (nbformat 4.5:
  ``[A-Za-z0-9_-]{1,64}``) or a label (letters, digits, ``_ - . :``).
- Candidates are found in the raw source, left to right (an embed takes its inner
  ``((target))``); one preceded by a backslash escape is not a candidate. Nothing spans
  a line. ``_`` and ``*`` inside are literal; backslash escapes of punctuation in a
  notebook path are read as CommonMark reads them (``\\_`` is ``_``).
- A candidate counts where a reader sees text: CommonMark (with GFM tables,
  strikethrough and bare URLs) decides. Each candidate is replaced by a sentinel word
  and the text is parsed; a sentinel that lands in prose (paragraphs, headings, lists,
  tables, block quotes, link text, the text of raw HTML) is a reference; in code spans,
  fenced or indented code, math (as JupyterLab finds it: ``latex.py``), URLs
  (autolinks and bare URLs), link destinations, image text, HTML attributes and
  comments, or inside ``code``, ``pre``, ``kbd``, ``samp``, ``script``, ``style`` or
  ``textarea`` elements, it is not.
- A cell whose markup costs too much to parse (``parse_cost``) is not searched at all:
  the caller indexes it as text and reports it.
"""

from __future__ import annotations

import html.parser
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Literal

from markdown_it import MarkdownIt
from markdown_it.token import Token

from .latex import remove_math

__all__ = [
    "BLOCK_ID_RE",
    "MAX_PARSE_COST",
    "Facet",
    "RefKind",
    "Reference",
    "find_references",
    "is_block_id",
    "is_target",
    "parse_cost",
    "reference_spans",
]

RefKind = Literal["ref", "embed", "notebook"]
Facet = Literal["source", "outputs"]


@dataclass(frozen=True, slots=True)
class Reference:
    """One reference found in a markdown cell.

    ``target`` is a block id or label (a notebook path for kind ``"notebook"``, as
    written, escapes read); ``facet`` an embed's part; ``output`` the output an
    ``outputs[n]`` facet picks (from 0); ``patch`` the JSON text after ``with`` (not
    validated here: an invalid patch is shown as such where the embed renders)."""

    kind: RefKind
    target: str
    facet: Facet | None = None
    output: int | None = None
    patch: str | None = None

    def written_facet(self) -> str | None:
        """The facet as the syntax writes it (``outputs[1] with {...}``), or None."""
        if self.facet is None:
            return None
        text = self.facet if self.output is None else f"{self.facet}[{self.output}]"
        return text if self.patch is None else f"{text} with {self.patch}"


_ID = r"[A-Za-z0-9_-]{1,64}"
_TARGET = r"[A-Za-z0-9_-][A-Za-z0-9_.:-]{0,63}"

BLOCK_ID_RE: re.Pattern[str] = re.compile(_ID)
"""Use with ``fullmatch``: a valid nbformat 4.5 cell id."""
TARGET_RE: re.Pattern[str] = re.compile(_TARGET)
"""Use with ``fullmatch``: what ``((...))`` may hold (an id, or a label)."""

# One alternation, scanned left to right, so an embed consumes its inner ((target)).
# Linear: targets are bounded, a notebook path excludes "[" so a failed attempt stops
# at the next "[", and no two adjacent repetitions can trade characters. An embed with
# "with" ends after its JSON object, which _json_end finds.
CANDIDATE_RE = re.compile(
    r"\{\{[ \t]*embed[ \t]*\(\((?P<embed>" + _TARGET + r")\)\)"
    r"(?:[ \t]*(?P<facet>source|outputs(?:\[[0-9]{1,4}\])?))?"
    r"(?:[ \t]*(?P<close>\}\})|[ \t]+with[ \t]*(?P<patch>\{))"
    r"|\(\((?P<ref>" + _TARGET + r")\)\)"
    r"|\[\[(?P<notebook>[^\[\]\n]*?\.[iI][pP][yY][nN][bB])[ \t]*\]\]"
)
MAX_PATCH = 4096  # characters of a "with {...}" patch

# Cost of parsing, in units of about half a microsecond: markdown-it-py 4 spends that on
# a plain character, and far more on each character that may start markup (measured;
# the frontend's markdown-it is faster). MAX_PARSE_COST is about half a second: past it
# a cell is not searched for references (a 10 MB cell of "[" would take minutes).
_TERMINATORS = "\n!#$%&*+-:<=>@[\\]^_`{}~"
_WEIGHT = {"[": 70, "]": 12, "*": 35, "_": 35}
MAX_PARSE_COST = 1_000_000

_OPAQUE_TAGS = frozenset({"code", "pre", "kbd", "samp", "script", "style", "textarea"})
_TAG_RE = re.compile(r"<\s*(/?)\s*([A-Za-z][A-Za-z0-9-]*)")
_ESCAPED_RE = re.compile(r"\\([!-/:-@\[-`{-~])")


def _markdown(linkify: bool) -> MarkdownIt:
    rules = ["table", "strikethrough"] + (["linkify"] if linkify else [])
    # Sentinels stay whole words: no typographic replacements ("--" etc.) touch them.
    return (
        MarkdownIt("commonmark", {"linkify": linkify})
        .enable(rules)
        .disable(["replacements", "smartquotes"], ignoreInvalid=True)
    )


MARKDOWN = _markdown(True)
# The same parser without linkify, for text in which linkify cannot change what a reader
# sees (titles.py says when).
MARKDOWN_NO_LINKIFY = _markdown(False)


def is_block_id(value: str) -> bool:
    """Whether ``value`` is a valid nbformat 4.5 cell id."""
    return BLOCK_ID_RE.fullmatch(value) is not None


def is_target(value: str) -> bool:
    """Whether ``value`` can be written inside ``((...))`` (an id or a label)."""
    return TARGET_RE.fullmatch(value) is not None


def parse_cost(text: str) -> int:
    """What parsing ``text`` as markdown costs, in MAX_PARSE_COST's units."""
    cost = len(text)
    for char in _TERMINATORS:
        count = text.count(char)
        if count:
            cost += count * _WEIGHT.get(char, 12)
    return cost


def find_references(source: str | list[str]) -> list[Reference]:
    """References in a markdown cell's source, in document order, duplicates kept."""
    return [ref for _, _, ref in reference_spans(source)]


def reference_spans(source: str | list[str]) -> list[tuple[int, int, Reference]]:
    """The references of a markdown source with their offsets in it (``source[start:
    end]`` is the syntax as written), in order. Empty when the source costs more than
    MAX_PARSE_COST to parse (the caller reports it)."""
    text = source if isinstance(source, str) else "".join(source)
    if "((" not in text and "[[" not in text:
        return []  # most cells: no candidate at all
    found = list(candidates(text))
    if not found:
        return []
    marked, pattern = with_sentinels(text, found)
    if parse_cost(marked) > MAX_PARSE_COST:
        return []
    live = _live_sentinels(marked, pattern)
    return [c for i, c in enumerate(found) if i in live]


def candidates(text: str) -> Iterable[tuple[int, int, Reference]]:
    """Every candidate ``(start, end, reference)``, left to right, that no backslash
    escapes (whether it counts is for the markdown to say: ``reference_spans``)."""
    pos = 0
    while (match := CANDIDATE_RE.search(text, pos)) is not None:
        start = match.start()
        if _escaped(text, start):
            pos = start + 1
            continue
        found = _reference(text, match)
        if found is None:  # an embed whose patch never closes: its ((target)) may count
            pos = start + 1
            continue
        yield start, found[0], found[1]
        pos = found[0]


def _escaped(text: str, at: int) -> bool:
    """Whether the character at ``at`` follows an odd run of backslashes."""
    run = 0
    while at - run - 1 >= 0 and text[at - run - 1] == "\\":
        run += 1
    return run % 2 == 1


def _reference(text: str, match: re.Match[str]) -> tuple[int, Reference] | None:
    """The candidate's end and what it says (None for an embed whose patch is not a
    closed JSON object followed by ``}}`` on the same line)."""
    if (target := match.group("embed")) is not None:
        written = match.group("facet") or ""
        facet: Facet | None = "source" if written == "source" else "outputs" if written else None
        output = int(written[8:-1]) if written.startswith("outputs[") else None
        if match.group("patch") is None:
            return match.end(), Reference("embed", target, facet, output)
        if facet != "outputs":
            return None
        start = match.start("patch")
        end = json_object_end(text, start)
        if end is None:
            return None
        close = re.compile(r"[ \t]*\}\}").match(text, end)
        if close is None:
            return None
        patch = text[start:end]
        return close.end(), Reference("embed", target, "outputs", output, patch)
    if (target := match.group("ref")) is not None:
        return match.end(), Reference("ref", target)
    path = _ESCAPED_RE.sub(r"\1", match.group("notebook")).strip()
    return match.end(), Reference("notebook", path)


def json_object_end(text: str, start: int) -> int | None:
    """Where the JSON object starting at ``text[start] == "{"`` ends (after its closing
    brace), counting braces outside strings; None if it does not close on this line
    within MAX_PATCH characters. Validity is not checked."""
    depth = 0
    in_string = False
    escaped = False
    for i in range(start, min(len(text), start + MAX_PATCH)):
        char = text[i]
        if char == "\n":
            return None
        if in_string:
            if escaped:
                escaped = False
            elif char == "\\":
                escaped = True
            elif char == '"':
                in_string = False
        elif char == '"':
            in_string = True
        elif char == "{":
            depth += 1
        elif char == "}":
            depth -= 1
            if depth == 0:
                return i + 1
    return None


def with_sentinels(
    text: str, candidates: list[tuple[int, int, Reference]]
) -> tuple[str, re.Pattern[str]]:
    """``text`` with candidate i replaced by a sentinel word (two private-use
    characters around i, a pair the text does not hold), and the sentinels' pattern."""
    opener = 0xE000
    while chr(opener) in text or chr(opener + 1) in text:
        opener += 2
    start, end = chr(opener), chr(opener + 1)
    parts: list[str] = []
    cursor = 0
    for i, (begin, finish, _) in enumerate(candidates):
        parts.append(text[cursor:begin])
        parts.append(f"{start}{i}{end}")
        cursor = finish
    parts.append(text[cursor:])
    return "".join(parts), re.compile(f"{start}([0-9]+){end}")


def _live_sentinels(marked: str, pattern: re.Pattern[str]) -> set[int]:
    """The sentinels a reader would see as text once ``marked`` is rendered."""
    live: set[int] = set()

    def add(text: str) -> None:
        live.update(int(n) for n in pattern.findall(text))

    if "$" in marked or "\\" in marked:
        marked = remove_math(marked)[0]  # math is typeset, never prose
    for token in MARKDOWN.parse(marked):
        if token.type == "inline" and token.children:
            _inline_text(token.children, add)
        elif token.type == "html_block":
            HTMLText(add).run(token.content)
    return live


def _inline_text(children: list[Token], add: Callable[[str], None]) -> None:
    opaque: list[str] = []  # open inline HTML elements whose text is not prose
    in_url = False
    for tok in children:
        if tok.type == "text":
            if not in_url and not opaque:
                add(tok.content)
        elif tok.type == "link_open":
            in_url = tok.markup in ("autolink", "linkify")
        elif tok.type == "link_close":
            in_url = False
        elif tok.type == "html_inline":
            tag = _TAG_RE.match(tok.content)
            if tag and tag.group(2).lower() in _OPAQUE_TAGS:
                name = tag.group(2).lower()
                if not tag.group(1):
                    opaque.append(name)
                elif name in opaque:
                    del opaque[len(opaque) - 1 - opaque[::-1].index(name) :]
        # code_inline, image (its text is an attribute), softbreak...: never prose


class HTMLText(html.parser.HTMLParser):
    """The text of raw HTML a reader sees: data outside opaque elements (attributes and
    comments are never text)."""

    def __init__(self, add: Callable[[str], None]) -> None:
        super().__init__(convert_charrefs=True)
        self._add = add
        self._opaque: list[str] = []

    def run(self, content: str) -> None:
        self.feed(content)
        self.close()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _OPAQUE_TAGS:
            self._opaque.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if tag in self._opaque:
            del self._opaque[len(self._opaque) - 1 - self._opaque[::-1].index(tag) :]

    def handle_data(self, data: str) -> None:
        if not self._opaque:
            self._add(data)
