"""The title of a block: the text a reference to it shows (and the backlinks panel, the
export, search results), as a reader sees it. Specified with the syntax, in
``spec/syntax-cases.json`` (``titles``), and implemented alike in ``src/titles.ts``.

- A markdown block's title is its first line of text as rendered: the first paragraph,
  heading, list item or table cell that holds any text, up to its first line break,
  with the markdown dropped (emphasis, links and code spans keep their text, images
  their alt text, HTML tags go). A MyST target line ``(label)=`` is not text.
- A reference inside it shows the referenced block's title (``titles``: the caller
  resolves them, one level deep) or nothing when unknown; a notebook link shows the
  notebook's name; an embed shows nothing.
- A code or raw block's title is its first line that is not blank and not a cell
  option (``#| ...``), without a leading comment marker (``#``, ``//``, ``--``).
- Whitespace runs become one space; past ``max_length`` characters the title is cut
  and ends with an ellipsis.
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Callable, Mapping

from markdown_it.token import Token

from .latex import remove_math
from .refs import (
    MARKDOWN,
    MAX_PARSE_COST,
    HTMLText,
    Reference,
    candidates,
    parse_cost,
    with_sentinels,
)

TITLE_CHARS = 80
_OPTION_RE = re.compile(r"^\s*#\|")
_COMMENT_RE = re.compile(r"^(?:#+|//+|--+)\s*")
_TARGET_LINE_RE = re.compile(r"^\s*\([^()\n]+\)=\s*$")
_MATH_RE = re.compile(r"@@([0-9]+)@@")
_SPACE_RE = re.compile(r"\s+")


def block_title(
    source: str,
    cell_type: str = "markdown",
    titles: Mapping[str, str] | None = None,
    max_length: int = TITLE_CHARS,
) -> str:
    """The title of a block of ``cell_type`` holding ``source``; ``titles`` maps the
    targets it references to their own titles. "" for a block with no text."""
    markdown = cell_type == "markdown"
    text = _markdown_title(source, titles or {}) if markdown else _code_title(source)
    text = _SPACE_RE.sub(" ", text).strip()
    return text if len(text) <= max_length else text[: max_length - 1].rstrip() + "…"


def _code_title(source: str) -> str:
    for line in source.splitlines():
        if line.strip() and not _OPTION_RE.match(line):
            return _COMMENT_RE.sub("", line.strip())
    return ""


def _markdown_title(source: str, titles: Mapping[str, str]) -> str:
    lines = [line for line in source.splitlines() if not _TARGET_LINE_RE.match(line)]
    text = "\n".join(lines)
    found = list(candidates(text)) if "((" in text or "[[" in text else []
    marked, pattern = with_sentinels(text, found)
    if parse_cost(marked) > MAX_PARSE_COST:
        return next((line for line in lines if line.strip()), "")
    math: list[str] = []
    if "$" in marked or "\\" in marked:
        marked, math = remove_math(marked)

    def shown(part: str) -> str:
        part = pattern.sub(lambda m: _shown(found[int(m.group(1))][2], titles), part)
        return _MATH_RE.sub(lambda m: _math(math, int(m.group(1))), part)

    def written(part: str) -> str:  # code shows the syntax as written
        def original(m: re.Match[str]) -> str:
            start, end, _ = found[int(m.group(1))]
            return text[start:end]

        return _MATH_RE.sub(lambda m: _math(math, int(m.group(1))), pattern.sub(original, part))

    for token in MARKDOWN.parse(marked):
        line = ""
        if token.type == "inline" and token.children:
            line = _first_line(token.children, shown, written)
        elif token.type == "html_block":
            parts: list[str] = []
            HTMLText(parts.append).run(token.content)
            line = next((part for part in "".join(parts).split("\n") if part.strip()), "")
            line = shown(line)
        if line.strip():
            return line
    return ""


Show = Callable[[str], str]


def _first_line(children: list[Token], shown: Show, written: Show) -> str:
    parts: list[str] = []
    for tok in children:
        if tok.type in ("softbreak", "hardbreak"):
            if "".join(parts).strip():
                break
        elif tok.type == "text":
            parts.append(shown(tok.content))
        elif tok.type == "code_inline":
            parts.append(written(tok.content))
        elif tok.type == "image":
            parts.append(_first_line(tok.children or [], shown, written))
    return "".join(parts)


def _shown(ref: Reference, titles: Mapping[str, str]) -> str:
    if ref.kind == "ref":
        return titles.get(ref.target, "")
    if ref.kind == "notebook":
        return posixpath.basename(ref.target.replace("\\", "/")).rsplit(".", 1)[0]
    return ""


def _math(math: list[str], n: int) -> str:
    value = math[n] if n < len(math) else ""
    return value.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")
