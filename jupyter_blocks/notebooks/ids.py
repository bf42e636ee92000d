"""Giving cells ids in a notebook file, losing nothing else.

Pure functions on the notebook's JSON text: the caller reads and writes through the
ContentsManager. Every change is checked before it is written: the notebook as nbformat
will write it must equal the original but for the ids given and ``nbformat_minor``.
"""

from __future__ import annotations

import copy
import json
import uuid
from dataclasses import dataclass
from typing import Any

import nbformat

from ..links.refs import is_block_id

# Keys nbformat itself treats as transient and drops on write: not content.
_TRANSIENT_CELL_METADATA = ("trusted",)
_TRANSIENT_NOTEBOOK_METADATA = ("signature", "orig_nbformat", "orig_nbformat_minor")


class IdError(Exception):
    """The notebook cannot be given ids safely; the message says why."""


@dataclass
class IdChange:
    """A notebook with new ids, ready to be saved."""

    notebook: dict[str, Any]  # nbformat JSON, as nbformat writes it
    changed: dict[int, str]  # cell index -> new id
    ids: list[str]  # every cell's id, in order


def valid_id(value: Any) -> bool:
    """Whether ``value`` is a cell id a reference can name (nbformat 4.5's pattern)."""
    return isinstance(value, str) and is_block_id(value)


def new_id() -> str:
    # As JupyterLab does: a random UUID, unique across every notebook in practice.
    return str(uuid.uuid4())


def parse(text: str) -> dict[str, Any]:
    # The standard parser, not orjson: a write must keep integers past 64 bits exact
    # (orjson reads them as floats) and NaN or Infinity (which Jupyter writes) as they are.
    try:
        nb = json.loads(text)
    except (ValueError, RecursionError) as error:
        raise IdError(f"The notebook is not valid JSON ({error}); fix it first.") from None
    if not isinstance(nb, dict) or not isinstance(nb.get("cells"), list):
        raise IdError("The file is not a notebook (it has no list of cells).")
    if nb.get("nbformat") != 4:
        raise IdError(
            f"The notebook is nbformat {nb.get('nbformat')}: open and save it in JupyterLab "
            "to upgrade it to nbformat 4, then try again."
        )
    return nb


def add_missing_ids(text: str, proposed: list[str] | None = None) -> IdChange:
    """Give every cell without a valid id one (``proposed[i]`` when the open document
    already holds ids for this notebook, else a new one); upgrade to nbformat 4.5."""
    original = parse(text)
    cells = original["cells"]
    if proposed is not None and len(proposed) != len(cells):
        raise IdError(
            "The open notebook and the file have different cells: save the notebook, "
            "then try again."
        )
    taken = {c.get("id") for c in cells if isinstance(c, dict) and valid_id(c.get("id"))}
    changed: dict[int, str] = {}
    for index, cell in enumerate(cells):
        # An id that breaks the schema (a number, a list, a bad string) is replaced
        # like a missing one: it could never be referenced.
        if not isinstance(cell, dict) or valid_id(cell.get("id")):
            continue
        candidate = proposed[index] if proposed is not None else None
        if not candidate or not is_block_id(candidate) or candidate in taken:
            candidate = new_id()
        taken.add(candidate)
        changed[index] = candidate
    return _apply(original, changed)


def replace_ids(text: str, indices: list[int]) -> IdChange:
    """New ids for the cells at ``indices`` (a copy's cells that repeat ids)."""
    original = parse(text)
    changed = {i: new_id() for i in indices if 0 <= i < len(original["cells"])}
    return _apply(original, changed)


def replace_sources(text: str, edits: dict[int, tuple[str, str]]) -> IdChange:
    """New sources for cells (index -> (source as read, new source)): a cell whose
    source is no longer the one read is refused (IdError), nothing else changes."""
    original = parse(text)
    cells = original["cells"]
    for index, (before, _) in edits.items():
        cell = cells[index] if 0 <= index < len(cells) else None
        source = cell.get("source") if isinstance(cell, dict) else None
        if isinstance(source, list):
            source = "".join(s for s in source if isinstance(s, str))
        if source != before:
            raise IdError(f"cell {index + 1} changed since it was read: it is left as it is")
    return _apply(original, {}, {i: new for i, (_, new) in edits.items()})


def _apply(
    original: dict[str, Any], changed: dict[int, str], sources: dict[int, str] | None = None
) -> IdChange:
    edited = copy.deepcopy(original)
    for index, cell_id in changed.items():
        edited["cells"][index]["id"] = cell_id
    for index, source in (sources or {}).items():
        edited["cells"][index]["source"] = source
    if changed and edited.get("nbformat_minor", 0) < 5:
        edited["nbformat_minor"] = 5
    node = nbformat.from_dict(edited)
    try:
        nbformat.validate(node)
    except nbformat.ValidationError as error:
        raise IdError(
            f"The notebook does not follow the nbformat schema ({error.message}); it "
            "is left as it is. Fix it in JupyterLab (open and save), then try again."
        ) from None
    written = json.loads(nbformat.writes(node))
    expected = copy.deepcopy(original)
    for index, cell_id in changed.items():
        expected["cells"][index]["id"] = cell_id
    for index, source in (sources or {}).items():
        expected["cells"][index]["source"] = source
    expected["nbformat_minor"] = edited["nbformat_minor"]
    where = first_difference(_normalized(expected), _normalized(written))
    if where is not None:
        raise IdError(
            f"Writing ids would also change {where} of this notebook; it is left as it "
            "is. Open and save it in JupyterLab, then try again."
        )
    ids = [str(c.get("id")) for c in written["cells"]]
    return IdChange(written, changed, ids)


def _normalized(value: Any, key: str = "", role: str = "") -> Any:
    """A notebook with multiline strings joined (nbformat writes them as lists of lines,
    a file may hold either: sources, stream text, mime bundle data) and nbformat's
    transient keys dropped. ``role`` says what ``value`` is inside its parent."""
    joinable = role == "mime" or key in ("source", "text")
    if joinable and isinstance(value, list) and all(isinstance(v, str) for v in value):
        return "".join(value)
    if isinstance(value, dict):
        # An output's "data" and each attachment are mime bundles.
        child = "mime" if key == "data" or role == "attachment" else ""
        child = "attachment" if key == "attachments" else child
        out = {k: _normalized(v, k, child) for k, v in value.items()}
        if isinstance(out.get("metadata"), dict):
            dropped = _TRANSIENT_NOTEBOOK_METADATA if "cells" in out else _TRANSIENT_CELL_METADATA
            for name in dropped:
                out["metadata"].pop(name, None)
        return out
    if isinstance(value, list):
        return [_normalized(v) for v in value]
    return value


def first_difference(a: Any, b: Any, where: str = "the notebook") -> str | None:
    """Where two JSON values first differ, as a readable path, or None if equal."""
    if isinstance(a, dict) and isinstance(b, dict):
        for key in sorted(set(a) | set(b)):
            if key not in a or key not in b:
                return f"{where} > {key}"
            found = first_difference(a[key], b[key], f"{where} > {key}")
            if found:
                return found
        return None
    if isinstance(a, list) and isinstance(b, list):
        if len(a) != len(b):
            return f"{where} (length)"
        for i, (x, y) in enumerate(zip(a, b, strict=True)):
            found = first_difference(x, y, f"{where}[{i}]")
            if found:
                return found
        return None
    same_nan = isinstance(a, float) and isinstance(b, float) and a != a and b != b
    return None if a == b or same_nan else where
