"""Unlinked references: where a markdown cell names a notebook (its title, its file name
without ``.ipynb``) or a block (its label) in plain prose, without linking it.

A mention is the name as a whole word (or words: any run of white space between them),
compared without regard to case. It counts where a reader sees prose, by the same
parse as references (``refs.py``: CommonMark with GFM tables, strikethrough and bare
URLs, math removed as JupyterLab finds it): paragraphs, headings, lists, tables, block
quotes, emphasis. It does not count in code spans, fenced or indented code, math,
URLs, raw HTML, the text or destination of a link, an image's text, or inside a
reference already written (``((...))``, ``{{embed ...}}``, ``[[...]]``). A cell whose
markup costs too much to parse whole (``refs.parse_cost``) is read part by part: the
runs of lines between blank lines outside fenced code, each parsed alone where a name
appears (a link defined in another part is then taken for prose).
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass

from markdown_it.token import Token

from .latex import remove_math
from .refs import MARKDOWN, MAX_PARSE_COST, candidates, parse_cost
from .searchtext import runs

__all__ = ["Mention", "find_mentions", "name_pattern"]


@dataclass(frozen=True, slots=True)
class Mention:
    """One mention: ``source[start:end]`` is the text as written; ``name`` the name it
    matched (as given to ``find_mentions``)."""

    start: int
    end: int
    name: str


def _wordy(char: str) -> bool:
    """Whether a name ending in ``char`` must not run on into a longer word (not for
    scripts written without spaces, whose words touch)."""
    return (char.isalnum() or char == "_") and not runs(char)


def name_pattern(name: str) -> re.Pattern[str] | None:
    """The pattern of a name's mentions (None for a name of no words)."""
    words = name.split()
    if not words:
        return None
    body = r"\s+".join(re.escape(word) for word in words)
    left = r"(?<!\w)" if _wordy(words[0][0]) else ""
    right = r"(?!\w)" if _wordy(words[-1][-1]) else ""
    return re.compile(left + body + right, re.IGNORECASE)


def find_mentions(source: str, names: list[str]) -> list[Mention]:
    """The unlinked mentions of any of ``names`` in a markdown source, in order, never
    overlapping (where two names match at one place, the longer match wins)."""
    found: list[Mention] = []
    for name in names:
        pattern = name_pattern(name)
        if pattern is not None:
            found.extend(Mention(m.start(), m.end(), name) for m in pattern.finditer(source))
    if not found:
        return []
    if parse_cost(source) > MAX_PARSE_COST:
        return _by_parts(source, names, {m.start for m in found})
    found.sort(key=lambda m: (m.start, -m.end))
    written = [(start, end) for start, end, _ in candidates(source)]
    kept: list[Mention] = []
    for mention in found:
        if kept and mention.start < kept[-1].end:
            continue
        if any(start < mention.end and mention.start < end for start, end in written):
            continue  # inside a reference or link already written
        kept.append(mention)
    if not kept:
        return []
    live = _in_prose(source, kept)
    return [m for i, m in enumerate(kept) if i in live]


_FENCE_RE = re.compile(r"^ {0,3}(`{3,}|~{3,})")


def _by_parts(source: str, names: list[str], starts: set[int]) -> list[Mention]:
    """Mentions in a source too costly to parse whole: in each part where a name was
    matched, parsed alone (a part still too costly holds none)."""
    found: list[Mention] = []
    ordered = sorted(starts)
    for offset, part in _parts(source):
        first = bisect.bisect_left(ordered, offset)
        named = first < len(ordered) and ordered[first] < offset + len(part)
        if named and parse_cost(part) <= MAX_PARSE_COST:
            found.extend(
                Mention(m.start + offset, m.end + offset, m.name)
                for m in find_mentions(part, names)
            )
    return found


def _parts(source: str) -> list[tuple[int, str]]:
    """``(offset, text)`` of the runs of lines between blank lines, a fenced code block
    (blank lines and all) kept within one run."""
    parts: list[tuple[int, str]] = []
    begin = cursor = 0
    fence = ""
    for line in source.splitlines(keepends=True):
        opened = _FENCE_RE.match(line)
        if fence:
            if opened and opened.group(1)[0] == fence[0] and len(opened.group(1)) >= len(fence):
                fence = ""
        elif opened:
            fence = opened.group(1)
        elif not line.strip():
            if cursor > begin:
                parts.append((begin, source[begin:cursor]))
            begin = cursor + len(line)
        cursor += len(line)
    if cursor > begin:
        parts.append((begin, source[begin:cursor]))
    return parts


def _in_prose(text: str, mentions: list[Mention]) -> set[int]:
    """Which mentions a reader sees as prose: each is replaced by a sentinel word (two
    private-use characters around its number) and the text parsed as markdown."""
    opener = 0xE000
    while chr(opener) in text or chr(opener + 1) in text:
        opener += 2
    begin, finish = chr(opener), chr(opener + 1)
    parts: list[str] = []
    cursor = 0
    for i, mention in enumerate(mentions):
        parts += [text[cursor : mention.start], f"{begin}{i}{finish}"]
        cursor = mention.end
    parts.append(text[cursor:])
    marked = "".join(parts)
    pattern = re.compile(f"{begin}([0-9]+){finish}")
    if "$" in marked or "\\" in marked:
        marked = remove_math(marked)[0]
    live: set[int] = set()
    for token in MARKDOWN.parse(marked):
        if token.type == "inline" and token.children:
            for content in _plain_text(token.children):
                live.update(int(n) for n in pattern.findall(content))
    return live


def _plain_text(children: list[Token]) -> list[str]:
    """The text of an inline run that is outside links and raw HTML elements."""
    texts: list[str] = []
    in_link = 0
    in_html = 0
    for tok in children:
        if tok.type == "text" and not in_link and not in_html:
            texts.append(tok.content)
        elif tok.type == "link_open":
            in_link += 1
        elif tok.type == "link_close":
            in_link = max(0, in_link - 1)
        elif tok.type == "html_inline":
            closing = tok.content.startswith("</")
            if not tok.content.endswith("/>") and not tok.content.startswith("<!"):
                in_html = max(0, in_html + (-1 if closing else 1))
    return texts
