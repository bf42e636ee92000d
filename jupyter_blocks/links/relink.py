"""Links and pictures of a block shown away from its notebook: a relative URL in a
markdown cell means "next to this notebook", so when the cell is exported beside
another notebook (``jupyter blocks export``) it is rewritten to point at the same file.

Which URLs are real links is markdown's call (markdown-it, as for the syntax): link and
image destinations in prose, and ``src``/``href`` attributes of raw HTML. Syntax inside
code spans and fences is left as written.
"""

from __future__ import annotations

import posixpath
import re
from urllib.parse import quote, unquote, urlsplit

from .refs import MARKDOWN

_DESTINATION = re.compile(r"(\]\(\s*)(<[^<>\n]*>|[^\s()<>]+)")
_HTML_URL = re.compile(r"""(\b(?:src|href)\s*=\s*)("[^"]*"|'[^']*'|[^\s"'=<>`]+)""", re.IGNORECASE)


def relative_url(url: str, source_dir: str, target_dir: str) -> str:
    """``url`` written in a notebook in ``source_dir`` (a folder from the root), as it
    must be written in one in ``target_dir`` to reach the same file. Absolute URLs,
    anchors, ``attachment:`` and ``data:`` URLs are left as they are."""
    parts = urlsplit(url)
    if parts.scheme or parts.netloc or not parts.path or url.startswith(("/", "#")):
        return url
    path = posixpath.normpath(posixpath.join(source_dir, unquote(parts.path)))
    moved = posixpath.relpath(path, target_dir or ".")
    rest = ("?" + parts.query if parts.query else "") + (
        "#" + parts.fragment if parts.fragment else ""
    )
    return quote(moved, safe="/") + rest


def relink(source: str, source_dir: str, target_dir: str) -> str:
    """A markdown source from a notebook in ``source_dir`` with its relative link and
    picture URLs rewritten for a notebook in ``target_dir``."""
    if source_dir == target_dir or (
        "](" not in source and "src" not in source and "href" not in source
    ):
        return source
    wanted = _real_destinations(source)
    if not wanted:
        return source

    def markdown_link(match: re.Match[str]) -> str:
        raw = match.group(2)
        inner = raw[1:-1] if raw.startswith("<") else raw
        if MARKDOWN.normalizeLink(inner) not in wanted:
            return match.group(0)
        moved = relative_url(inner, source_dir, target_dir)
        return match.group(1) + (f"<{moved}>" if raw.startswith("<") else moved)

    def html_url(match: re.Match[str]) -> str:
        raw = match.group(2)
        quote_char = raw[0] if raw[0] in "\"'" else ""
        inner = raw[1:-1] if quote_char else raw
        if inner not in wanted:
            return match.group(0)
        return (
            match.group(1) + quote_char + relative_url(inner, source_dir, target_dir) + quote_char
        )

    return _HTML_URL.sub(html_url, _DESTINATION.sub(markdown_link, source))


def _real_destinations(source: str) -> set[str]:
    """The URLs markdown reads as links or pictures (normalized as markdown-it does),
    and the raw ``src``/``href`` values of HTML."""
    found: set[str] = set()
    for token in MARKDOWN.parse(source):
        if token.type in ("html_block",):
            found.update(_html_urls(token.content))
        for child in token.children or []:
            if child.type == "link_open" and child.markup not in ("autolink", "linkify"):
                found.add(str(child.attrGet("href") or ""))
            elif child.type == "image":
                found.add(str(child.attrGet("src") or ""))
            elif child.type == "html_inline":
                found.update(_html_urls(child.content))
    found.discard("")
    return found


def _html_urls(html: str) -> set[str]:
    urls = set()
    for match in _HTML_URL.finditer(html):
        raw = match.group(2)
        urls.add(raw[1:-1] if raw[0] in "\"'" else raw)
    return urls
