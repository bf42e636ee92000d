"""The one sanitizing policy of the server side: what an export may write as HTML when
it shows blocks of other notebooks (``jupyter blocks export`` and ``jupyter nbconvert
--to blocks_*`` both go through ``TransclusionPreprocessor``, which applies it). The
frontend applies the same rules with JupyterLab's sanitizer (``src/policy.ts``).

- The exported notebook's own cells are the user's: left as plain nbconvert leaves
  them.
- Text taken from another block into the host's markdown (a reference's title, a
  notebook's name, a deleted block's last content) is escaped, so it is only ever text.
- Embedded markdown is always sanitized, trusted or not (as JupyterLab renders
  markdown cells): rendered to HTML by nbconvert's own renderer, then cleaned.
- A notebook's language name is written into markup (a fence's info string, an
  export's metadata) only when it is a plain name (``language_tag``, the rule
  ``spec/language-names.json`` holds for both sides); otherwise nothing is written.
- Embedded outputs stay as they are only when Jupyter's signatures say the user
  trusts their notebook; otherwise only safe mime types stay, and HTML is cleaned (no
  script, no event handler, no ``javascript:`` URL, no style sheet).
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlsplit

import bleach

# A language name that may be written into markup: 1 to 64 ASCII letters, digits,
# spaces and _ + # . - (no fence, tag, quote or line break can be made of these).
_LANGUAGE = re.compile(r"[A-Za-z0-9_+#.-](?:[A-Za-z0-9_+#. -]{0,62}[A-Za-z0-9_+#.-])?")

# What cleaned HTML may hold: the structure of rendered markdown and of tables.
TAGS = frozenset(
    {
        "a",
        "abbr",
        "b",
        "blockquote",
        "br",
        "caption",
        "code",
        "col",
        "colgroup",
        "dd",
        "del",
        "details",
        "div",
        "dl",
        "dt",
        "em",
        "figcaption",
        "figure",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "hr",
        "i",
        "img",
        "ins",
        "kbd",
        "li",
        "mark",
        "ol",
        "p",
        "pre",
        "q",
        "s",
        "samp",
        "small",
        "span",
        "strong",
        "sub",
        "summary",
        "sup",
        "table",
        "tbody",
        "td",
        "tfoot",
        "th",
        "thead",
        "tr",
        "u",
        "ul",
    }
)
_PLAIN = {"class", "title", "align"}
_URL_SCHEMES = {"http", "https", "mailto"}
_IMAGE_SCHEMES = {"http", "https", "data"}
# Elements whose content is never text to keep: dropped whole before cleaning.
_DROPPED = re.compile(
    r"<(script|style|template|iframe|object|embed|noscript|textarea|title)\b[^>]*>.*?</\1\s*>",
    re.IGNORECASE | re.DOTALL,
)
# Mime types an untrusted output keeps (others, such as JavaScript, are removed).
SAFE_OUTPUT_MIMES = frozenset({"text/plain", "text/latex", "image/png", "image/jpeg", "image/gif"})
_JSON_SAFE = re.compile(r"^application/(json|vnd\.vegalite\.v\d+\+json|vnd\.vega\.v\d+\+json)$")


def _attribute(tag: str, name: str, value: str) -> bool:
    if name in _PLAIN:
        return True
    if tag == "a" and name == "href":
        return _url_allowed(value, _URL_SCHEMES)
    if tag == "img":
        if name == "src":
            return (
                _url_allowed(value, _IMAGE_SCHEMES)
                and (
                    not value.lower().startswith("data:") or value.lower().startswith("data:image/")
                )
                and not value.lower().startswith("data:image/svg")
            )
        return name in ("alt", "width", "height")
    if tag in ("td", "th"):
        return name in ("colspan", "rowspan")
    if tag == "ol":
        return name == "start"
    if tag == "table":
        return name == "border"
    return False


def _url_allowed(value: str, schemes: set[str]) -> bool:
    scheme = urlsplit(value.strip()).scheme.lower()
    return not scheme or scheme in schemes


def clean_html(html: str) -> str:
    """HTML from another notebook made safe to show: only the tags and attributes of
    rendered markdown and tables, safe URLs, no script or style (stripped, not shown as
    text)."""
    html = _DROPPED.sub("", html)
    return bleach.clean(
        html,
        tags=TAGS,
        attributes=_attribute,
        protocols=_URL_SCHEMES | _IMAGE_SCHEMES,
        strip=True,
        strip_comments=True,
    )


def escape_markdown(text: str) -> str:
    """Text to put in markdown as text only: every ASCII punctuation character is
    backslash-escaped (CommonMark lets any be), so no markup or HTML can form."""
    return re.sub(r"([!-/:-@\[-`{-~])", r"\\\1", text)


def markdown_html(source: str, attachments: dict[str, Any] | None = None) -> str:
    """Markdown rendered to HTML by nbconvert's own renderer (what its HTML templates
    use for markdown cells), with ``attachment:`` images as data URIs."""
    from nbconvert.filters.markdown_mistune import IPythonRenderer, MarkdownWithMath

    renderer = IPythonRenderer(escape=False, attachments=attachments or {}, anchor_link_text="")
    return str(MarkdownWithMath(renderer=renderer).render(source))


def clean_outputs(outputs: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Outputs of a notebook the user does not trust, as they may be shown: only safe
    mime types (JavaScript and SVG removed), HTML cleaned, markdown rendered and
    cleaned."""
    cleaned: list[dict[str, Any]] = []
    for output in outputs:
        data = output.get("data")
        if not isinstance(data, dict):
            cleaned.append(output)
            continue
        kept: dict[str, Any] = {}
        for mime, value in data.items():
            if mime == "text/html" and isinstance(value, str):
                kept[mime] = clean_html(value)
            elif mime == "text/markdown" and isinstance(value, str):
                kept.setdefault("text/html", clean_html(markdown_html(value)))
            elif mime in SAFE_OUTPUT_MIMES or _JSON_SAFE.match(mime):
                kept[mime] = value
        cleaned.append({**output, "data": kept})
    return cleaned


def language_tag(name: Any) -> str:
    """``name`` when it is a plain language name (``spec/language-names.json``), else
    "" (no highlighting rather than markup made of the name)."""
    if isinstance(name, str) and _LANGUAGE.fullmatch(name):
        return name
    return ""
