"""Rewriting the references a markdown source holds, where a reader sees them (the
spans ``refs.reference_spans`` finds: never inside code, never an escaped one):

- ``retarget``: ``((old))`` and ``{{embed ((old)) ...}}`` name ``new`` instead (a label
  renamed);
- ``move_links``: ``[[old.ipynb]]`` links (and links into a folder ``old``) follow a
  notebook or folder that moved.

Pure functions: the callers decide where the new source is written (the open notebook
model in the browser, the ContentsManager for a closed notebook).
"""

from __future__ import annotations

import posixpath
import re
import unicodedata

from .refs import reference_spans


def retarget(source: str, old: str, new: str) -> str | None:
    """``source`` with every reference to ``old`` naming ``new``, or None when it holds
    none."""
    pattern = re.compile(r"\(\(\s*" + re.escape(old) + r"\s*\)\)")
    return _apply(
        source,
        [
            (start, end, pattern.sub(f"(({new}))", source[start:end], count=1))
            for start, end, ref in reference_spans(source)
            if ref.kind in ("ref", "embed") and ref.target == old
        ],
    )


def move_links(source: str, old: str, new: str, bare: str | None = None) -> str | None:
    """``source`` with its ``[[...]]`` links to the notebook ``old`` (or to notebooks in
    the folder ``old``) naming ``new`` instead, or None when it holds none. Paths are
    from the root and compared in NFC. A link written as a bare file name is rewritten
    only when ``bare`` is given: the new name alone, when it still finds the notebook,
    else the full path."""
    old_key = _key(old)
    prefix = old_key + "/"
    edits = []
    for start, end, ref in reference_spans(source):
        if ref.kind != "notebook":
            continue
        target = _key(ref.target)
        if target == old_key:
            moved = new
        elif target.startswith(prefix):
            moved = new.rstrip("/") + "/" + target[len(prefix) :]
        elif "/" not in target and target == posixpath.basename(old_key) and bare is not None:
            moved = bare
        else:
            continue
        edits.append((start, end, f"[[{moved}]]"))
    return _apply(source, edits)


def _apply(source: str, edits: list[tuple[int, int, str]]) -> str | None:
    if not edits:
        return None
    out: list[str] = []
    cursor = 0
    for start, end, text in edits:
        out.append(source[cursor:start])
        out.append(text)
        cursor = end
    out.append(source[cursor:])
    return "".join(out)


def _key(path: str) -> str:
    path = posixpath.normpath("/" + path.strip().replace("\\", "/")).lstrip("/")
    return unicodedata.normalize("NFC", path)
