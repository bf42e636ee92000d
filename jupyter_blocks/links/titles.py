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
import unicodedata
from collections.abc import Callable, Iterator, Mapping

from markdown_it.token import Token

from .latex import remove_math
from .refs import (
    MARKDOWN,
    MARKDOWN_NO_LINKIFY,
    MAX_PARSE_COST,
    HTMLText,
    Reference,
    candidates,
    parse_cost,
    with_sentinels,
)

TITLE_CHARS = 80
_OPTION_RE = re.compile(r"^\s*#\|")
_ATX_RE = re.compile(r"#{1,6}(?:[ \t]|$)", re.MULTILINE)
_COMMENT_RE = re.compile(r"^(?:#+|//+|--+)\s*")
_TARGET_LINE_RE = re.compile(r"^\s*\([^()\n]+\)=\s*$")
_MATH_RE = re.compile(r"@@([0-9]+)@@")
_SPACE_RE = re.compile(r"\s+")
# Where linkify can change the text a reader sees: a URL with a scheme ("://") is a link
# before emphasis or code is read (``http://a.com/_x_`` keeps its underscores), and a
# link's text is decoded (percent escapes, punycode host names). Elsewhere it only
# splits text into links, which a title drops: such text is parsed without it, about
# twice as fast (every markdown block's title is parsed in a cold index). Checked
# against the full parser on the corpus and random text (tests/test_titles_parse.py).
_LINKIFY_SHOWS_RE = re.compile(r"://|%|xn--", re.IGNORECASE)


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


def is_heading(source: str, cell_type: str = "markdown") -> bool:
    """Whether a block's title names it (a markdown block opening with an ATX heading,
    a code block whose first line past its cell options is a comment) rather than being
    its first words."""
    if cell_type == "markdown":
        return _ATX_RE.match(source.lstrip()) is not None
    for line in source.splitlines():
        if line.strip() and not _OPTION_RE.match(line):
            return _COMMENT_RE.match(line.strip()) is not None
    return False


def _code_title(source: str) -> str:
    for line in source.splitlines():
        if line.strip() and not _OPTION_RE.match(line):
            return _COMMENT_RE.sub("", line.strip())
    return ""


def _markdown_title(source: str, titles: Mapping[str, str]) -> str:
    # A first line of words and plain punctuation opens a paragraph (or a setext
    # heading) whose first line reads as written: no parse (a third of the corpus).
    plain = _PLAIN_LINE_RE.match(source)
    line = plain.group(1) if plain is not None else "(("
    if "((" not in line and _LINKIFY_SHOWS_RE.search(line) is None:  # punycode hosts
        return line
    # Most titles are in the first paragraph: parse it alone first (a cell is parsed
    # whole only when it holds no text there, as after an opening fence).
    head = _FIRST_BLOCK_RE.match(source)
    if head is not None and len(head.group(0)) < len(source):
        found = next(_markdown_lines(head.group(0), titles, whole=False), "")
        if found and "`" not in head.group(0) and "~" not in head.group(0):
            return found
    return next(_markdown_lines(source, titles, whole=False), "")


_FIRST_BLOCK_RE = re.compile(r"\s*\S.*?(?:\n[ \t]*\n|\Z)", re.DOTALL)
# After blank lines, a line that starts with a letter and holds only letters, digits,
# blanks and , . ; : ' " ? ! ( ) - : no markup, entity, escape, math, URL scheme, list
# marker, table row or indented code can start in it, so it reads as written. Checked
# against the parser on the corpus and on random text (tests/test_titles_parse.py).
_PLAIN_LINE_RE = re.compile(r"(?:[ \t]*\n)*([^\W\d_](?:[^\W_]|[ ,.;:'\"?!()-])*)(?:\n|\Z)")


# Around the title of a reference the caller asked to find (``block_text``).
_MARK_OPEN, _MARK_CLOSE = "\ue100", "\ue101"


def _markdown_lines(
    source: str,
    titles: Mapping[str, str],
    whole: bool,
    marked: frozenset[str] = frozenset(),
) -> Iterator[str]:
    """The text of a markdown source as read: its first line (``whole`` False), or
    each paragraph, heading, list item, table cell and HTML block in turn."""
    lines = [line for line in source.splitlines() if not _TARGET_LINE_RE.match(line)]
    text = "\n".join(lines)
    found = list(candidates(text)) if "((" in text or "[[" in text else []
    marked_text, pattern = with_sentinels(text, found)
    if parse_cost(marked_text) > MAX_PARSE_COST:
        yield from (line for line in lines if line.strip())
        return
    math: list[str] = []
    if "$" in marked_text or "\\" in marked_text:
        marked_text, math = remove_math(marked_text)

    def shown(part: str) -> str:
        def title(m: re.Match[str]) -> str:
            ref = found[int(m.group(1))][2]
            value = _shown(ref, titles)
            if _key(ref) in marked:  # an embed of it too shows, by its title
                value = value or titles.get(ref.target, "") or ref.target
                return f"{_MARK_OPEN}{value}{_MARK_CLOSE}"
            return value

        return _MATH_RE.sub(lambda m: _math(math, int(m.group(1))), pattern.sub(title, part))

    def written(part: str) -> str:  # code shows the syntax as written
        def original(m: re.Match[str]) -> str:
            start, end, _ = found[int(m.group(1))]
            return text[start:end]

        return _MATH_RE.sub(lambda m: _math(math, int(m.group(1))), pattern.sub(original, part))

    parser = MARKDOWN if _LINKIFY_SHOWS_RE.search(marked_text) else MARKDOWN_NO_LINKIFY
    for token in parser.parse(marked_text):
        line = ""
        if token.type == "inline" and token.children:
            line = _first_line(token.children, shown, written, whole)
        elif token.type == "html_block":
            parts: list[str] = []
            HTMLText(parts.append).run(token.content)
            body = [part for part in "".join(parts).split("\n") if part.strip()]
            line = shown(" ".join(body) if whole else next(iter(body), ""))
        if line.strip():
            yield line


def block_text(
    source: str,
    cell_type: str,
    titles: Mapping[str, str],
    marked: frozenset[str] = frozenset(),
) -> tuple[str, list[tuple[int, int]]]:
    """A block's whole text as a person reads it (as ``block_title`` reads its first
    line), and where in it references to ``marked`` targets (ids, labels, normalized
    notebook paths) show, as ``(start, end)`` offsets."""
    if cell_type == "markdown":
        raw = " ".join(_markdown_lines(source, titles, whole=True, marked=marked))
    else:
        raw = source
    raw = _SPACE_RE.sub(" ", raw).strip()
    text: list[str] = []
    spans: list[tuple[int, int]] = []
    length = 0
    start = 0
    for char in raw:
        if char == _MARK_OPEN:
            start = length
        elif char == _MARK_CLOSE:
            spans.append((start, length))
        else:
            text.append(char)
            length += 1
    return "".join(text), spans


Show = Callable[[str], str]


def _first_line(children: list[Token], shown: Show, written: Show, whole: bool = False) -> str:
    parts: list[str] = []
    for tok in children:
        if tok.type in ("softbreak", "hardbreak"):
            if whole:
                parts.append(" ")
            elif "".join(parts).strip():
                break
        elif tok.type == "text":
            parts.append(shown(tok.content))
        elif tok.type == "code_inline":
            parts.append(written(tok.content))
        elif tok.type == "image":
            parts.append(_first_line(tok.children or [], shown, written))
    return "".join(parts)


def _key(ref: Reference) -> str:
    """How ``marked`` names what a reference points at: its target, or for a notebook
    link the normalized path (as the index keys it: ``notebook.normalize_path``)."""
    if ref.kind != "notebook":
        return ref.target
    path = posixpath.normpath("/" + ref.target.strip().replace("\\", "/")).lstrip("/")
    return unicodedata.normalize("NFC", path)


def _shown(ref: Reference, titles: Mapping[str, str]) -> str:
    if ref.kind == "ref":
        return titles.get(ref.target, "")
    if ref.kind == "notebook":
        return posixpath.basename(ref.target.replace("\\", "/")).rsplit(".", 1)[0]
    return ""


def _math(math: list[str], n: int) -> str:
    value = math[n] if n < len(math) else ""
    return value.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")
