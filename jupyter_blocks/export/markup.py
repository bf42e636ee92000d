"""Markup an export writes around what it shows: HTML kept as one markdown HTML block,
and language names nbconvert's templates write as they are (``policy.language_tag``)."""

from __future__ import annotations

import re

from nbformat import NotebookNode

from ..policy import language_tag

_TAG = re.compile(r"(<[^>]*>)")


def plain_language_names(nb: NotebookNode) -> None:
    """nbconvert's templates write the notebook's language (and a cell's
    ``magics_language``) into the page as they are: in the copy exported, a name that
    is not a plain name (``policy.language_tag``) becomes ""."""
    metadata = nb.get("metadata")
    if not isinstance(metadata, dict):
        return
    for key, field in (("language_info", "name"), ("kernelspec", "language")):
        info = metadata.get(key)
        if isinstance(info, dict) and field in info:
            info[field] = language_tag(info[field])
    for cell in nb.cells:
        cell_metadata = cell.get("metadata")
        if isinstance(cell_metadata, dict) and "magics_language" in cell_metadata:
            cell_metadata["magics_language"] = language_tag(cell_metadata["magics_language"])


def html_block(html: str) -> str:
    """HTML as a markdown cell that renders it as it is: one HTML block (a ``div`` on
    one line: a blank line would end the block), newlines in text kept as ``&#10;``."""
    parts = _TAG.split(html)
    one_line = "".join(p if i % 2 else p.replace("\n", "&#10;") for i, p in enumerate(parts))
    return f'<div class="jp-Blocks-embedded">{one_line.replace(chr(10), " ")}</div>\n'
