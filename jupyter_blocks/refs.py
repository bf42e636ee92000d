"""Find block references in the source of a markdown cell.

Syntax (see docs/design.md):

- ``((id))``: inline reference to a block, kind ``"ref"``.
- ``{{embed ((id))}}``, ``{{embed ((id)) source}}``, ``{{embed ((id)) outputs}}``:
  embed, kind ``"embed"``, with facet ``None``, ``"source"`` or ``"outputs"``.
- ``[[path/to/notebook.ipynb]]``: link to a notebook, kind ``"notebook"``.

A block id is an nbformat 4.5 cell id: ``[A-Za-z0-9_-]{1,64}``.

Decisions:

- Code is detected by markdown-it-py (CommonMark plus GFM tables and
  strikethrough), exactly as a CommonMark renderer would. Nothing is parsed inside
  code spans (any number of backticks), fenced code (```` ``` ```` and ``~~~``,
  an unclosed fence runs to the end of the cell) or indented code.
- Raw HTML is not parsed: an HTML block, an inline HTML tag (and its attributes),
  an HTML comment, an autolink's URL and an image's alt text are never searched, as
  none of them is rendered as prose. Text between inline tags
  (``<b>((id))</b>``) and link text (``[see ((id))](url)``) is searched.
- A backslash-escaped or entity-encoded character is literal text and never takes
  part in the syntax: ``\\(\\(id))`` and ``&#40;&#40;id))`` are not references, nor
  is ``[[a\\_b.ipynb]]``. ``\\\\((id))`` (an escaped backslash) is a reference.
- Emphasis markers are kept as written, so ``((_abc_))``, which CommonMark turns
  into emphasis, still refers to ``_abc_``.
- Nothing spans a line break. Inside ``{{ }}`` spaces and tabs are optional
  between the parts; ``embed``, ``source`` and ``outputs`` are lowercase. An embed
  with any other facet word is not an embed, and its ``((id))`` is then a plain
  reference. The ``((id))`` of a valid embed is not also reported as a reference.
- A notebook target is the text between ``[[`` and ``]]``, stripped; it must end
  in ``.ipynb`` (any case) and contain no ``[``, ``]`` or line break. Paths are
  not normalised or resolved here.
- Math is not special (CommonMark has no math): ``$f((x))$`` refers to block ``x``.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Literal

from markdown_it import MarkdownIt
from markdown_it.token import Token

__all__ = [
    "BLOCK_ID_RE",
    "Facet",
    "RefKind",
    "Reference",
    "find_references",
    "is_block_id",
    "reference_spans",
]

RefKind = Literal["ref", "embed", "notebook"]
Facet = Literal["source", "outputs"]


@dataclass(frozen=True, slots=True)
class Reference:
    """One reference found in a markdown cell."""

    kind: RefKind
    target: str  # block id, or notebook path for kind "notebook"
    facet: Facet | None = None


_ID = r"[A-Za-z0-9_-]{1,64}"

BLOCK_ID_RE: re.Pattern[str] = re.compile(_ID)
"""Use with ``fullmatch``: a valid nbformat 4.5 cell id."""

# Stands for text that must never be part of a match (code, HTML, escapes).
# markdown-it replaces NUL in the input with U+FFFD, so it cannot come from source.
_OPAQUE = "\x00"

# One alternation, scanned left to right, so an embed consumes its inner ((id)).
# Matching is linear (no catastrophic backtracking): ids are bounded, the notebook
# path excludes "[" so a failed attempt stops at the next "[", and no two
# adjacent repetitions can trade characters (hence the facet's own leading spaces).
_PATTERN = re.compile(
    r"\{\{[ \t]*embed[ \t]*\(\((?P<embed>" + _ID + r")\)\)"
    r"(?:[ \t]*(?P<facet>source|outputs))?[ \t]*\}\}"
    r"|\(\((?P<ref>" + _ID + r")\)\)"
    r"|\[\[(?P<notebook>[^\[\]\n\x00]*?(?i:\.ipynb))[ \t]*\]\]"
)

# CommonMark with the GFM extensions that change how inline text is split.
# text_join is disabled so escapes and entities stay separate tokens. The core "inline"
# step is left out: only the inline tokens that can hold a match are parsed further
# (inline parsing is about half the cost, and in a long cell most paragraphs hold no
# reference).
_MD = MarkdownIt("commonmark").enable(["table", "strikethrough"]).disable(["text_join", "inline"])

# Inline tokens rebuilt as their delimiter, as written in the source.
_MARKUP_TOKENS = frozenset(
    {"em_open", "em_close", "strong_open", "strong_close", "s_open", "s_close"}
)


def is_block_id(value: str) -> bool:
    """Whether ``value`` is a valid nbformat 4.5 cell id."""
    return BLOCK_ID_RE.fullmatch(value) is not None


def _inline_text(children: Sequence[Token]) -> str:
    """Rebuild the searchable text of an inline token; opaque parts become NUL."""
    parts: list[str] = []
    in_autolink = False
    for tok in children:
        kind = tok.type
        if in_autolink:
            in_autolink = kind != "link_close"
            continue
        if kind == "text":
            parts.append(tok.content)
        elif kind == "softbreak" or kind == "hardbreak":
            parts.append("\n")
        elif kind in _MARKUP_TOKENS:
            parts.append(tok.markup)
        else:
            # code_inline, html_inline, image, text_special (escape/entity),
            # link_open/close and anything unknown: never part of a match.
            # A link boundary is opaque too so "(" + "[](u)" + "(x))" cannot
            # join into "((x))".
            parts.append(_OPAQUE)
            if kind == "link_open" and tok.markup == "autolink":
                in_autolink = True
    return "".join(parts)


def _has_candidate(content: str) -> bool:
    return "((" in content or "[[" in content


def _inline_children(text: str, wanted: Callable[[str], object]) -> Iterator[list[Token]]:
    """The inline tokens of the paragraphs, headings and table cells of ``text`` whose
    raw content passes ``wanted`` (code and HTML blocks have none)."""
    env: dict[str, object] = {}  # shared, so reference-style links resolve
    for token in _MD.parse(text, env):
        if token.type == "inline" and wanted(token.content):
            children: list[Token] = []
            _MD.inline.parse(token.content, _MD, env, children)
            yield children


def find_references(source: str | list[str]) -> list[Reference]:
    """References in a markdown cell's source, in document order, duplicates kept."""
    text = source if isinstance(source, str) else "".join(source)
    # Fast paths: most cells have no candidate at all. Rebuilding only removes or
    # blanks parts of a line, so a match in the rebuilt text is also a match in
    # the raw text; no raw match means no reference.
    if "((" not in text and "[[" not in text:
        return []
    if _PATTERN.search(text) is None:
        return []

    chunks = [_inline_text(children) for children in _inline_children(text, _has_candidate)]
    found: list[Reference] = []
    for match in _PATTERN.finditer(_OPAQUE.join(chunks)):
        embed = match.group("embed")
        if embed is not None:
            facet: Facet | None = None
            if match.group("facet") == "source":
                facet = "source"
            elif match.group("facet") == "outputs":
                facet = "outputs"
            found.append(Reference("embed", embed, facet))
        elif (ref := match.group("ref")) is not None:
            found.append(Reference("ref", ref))
        else:
            found.append(Reference("notebook", match.group("notebook").strip()))
    return found


# A word no markdown construct reacts to, standing for one candidate match.
_SENTINEL = "jupyterblockssentinel{}x"
_SENTINEL_RE = re.compile(r"jupyterblockssentinel(\d+)x")


def reference_spans(source: str) -> list[tuple[int, int, Reference]]:
    """The references of a markdown source with their offsets in it (for rewriting the
    source, as an export does). Every candidate match is replaced by a sentinel word and
    the text is tokenized again: the sentinels that land in prose are the references,
    those in code or HTML are not. Same rules as ``find_references``, except that an
    escaped or entity-encoded character never starts a candidate at all."""
    candidates = list(_PATTERN.finditer(source))
    if not candidates:
        return []
    parts: list[str] = []
    cursor = 0
    for i, match in enumerate(candidates):
        parts.append(source[cursor : match.start()])
        parts.append(_SENTINEL.format(i))
        cursor = match.end()
    parts.append(source[cursor:])
    live: set[int] = set()
    for children in _inline_children("".join(parts), _SENTINEL_RE.search):
        for child in children:
            if child.type == "text":
                live.update(int(n) for n in _SENTINEL_RE.findall(child.content))
    spans = []
    for i, match in enumerate(candidates):
        if i in live:
            spans.append((match.start(), match.end(), _reference(match)))
    return spans


def _reference(match: re.Match[str]) -> Reference:
    embed = match.group("embed")
    if embed is not None:
        facet = match.group("facet")
        return Reference("embed", embed, facet if facet in ("source", "outputs") else None)  # type: ignore[arg-type]
    if (ref := match.group("ref")) is not None:
        return Reference("ref", ref)
    return Reference("notebook", match.group("notebook").strip())
