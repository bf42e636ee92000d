"""Changing a text notebook (``textnotebooks.py``) in its own syntax, every other byte
kept (line breaks too): a cell's id written into the format's cell metadata, or new cell sources (a
label renamed, a link that follows a move).

How, for any format jupytext writes: jupytext writes the notebook as read, and again
with the change; the difference between the two (the cell's header line, the lines of
its source) is merged into the file as it is, with a three-way merge (``merge3``: base,
jupytext's writing of the original; one side the file, the other jupytext's writing of
the change). The file as merged must read back, with jupytext, as the notebook read
but for the change: otherwise nothing is written (``IdError``, a 409 for the REST API).
So the header, the spacing, the comments jupytext would write otherwise all stay.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

from .ids import IdError, valid_id
from .textnotebooks import decode, read_text, text_format


def set_id(data: bytes, name: str, index: int, cell_id: str) -> bytes:
    """The text notebook ``data`` (a file called ``name``) with ``cell_id`` as the id
    of cell ``index`` (0-based). IdError when it cannot be done without changing
    anything else."""
    if not valid_id(cell_id):
        raise IdError(f"{cell_id!r} is not a cell id")

    def change(nb: Any) -> None:
        cells = nb.cells
        if not 0 <= index < len(cells):
            raise IdError(f"{name} has {len(cells)} cells: there is no cell {index + 1}")
        cells[index].metadata["id"] = cell_id
        cells[index]["id"] = cell_id

    return _changed(data, name, change)


def replace_sources(data: bytes, name: str, edits: dict[int, tuple[str, str]]) -> bytes:
    """The text notebook with new sources for cells (index -> (source as read, new
    source)); IdError when a cell's source is no longer the one read, or the change
    cannot be made in place."""

    def change(nb: Any) -> None:
        for index, (before, after) in edits.items():
            if not 0 <= index < len(nb.cells) or nb.cells[index].source != before:
                raise IdError(f"cell {index + 1} changed since it was read: it is left as it is")
            nb.cells[index].source = after

    return _changed(data, name, change)


def _changed(data: bytes, name: str, change: Callable[[Any], None]) -> bytes:
    import jupytext
    import merge3

    if data.startswith(b"\xef\xbb\xbf"):
        # jupytext (and so JupyterLab with it) reads the mark as text of the first cell:
        # a change made where this reader sees the cells would land elsewhere for it.
        raise IdError(
            f"{name} starts with a byte order mark, which jupytext reads as part of its "
            "first cell: nothing is written into it. Save it as UTF-8 without the mark, "
            "then try again"
        )
    text = decode(data)
    # A file written with CRLF line breaks (Windows, git's autocrlf) is merged as LF,
    # as jupytext writes, and given its CRLF back; a file that mixes both is merged as
    # it is (a conflict, nothing written, when the breaks differ around the change).
    crlf = "\r\n" in text and text.count("\r\n") == text.count("\n")
    if crlf:
        text = text.replace("\r\n", "\n")
    fmt = text_format(text, name)
    read = read_text(text, name)
    wanted = copy.deepcopy(read)
    change(wanted)
    before = jupytext.writes(_for_writing(read), fmt)
    after = jupytext.writes(_for_writing(wanted), fmt)
    merge = merge3.Merge3(
        _lines(before), _lines(text), _lines(after), is_cherrypick=False, sequence_matcher=None
    )
    if any(region[0] == "conflict" for region in merge.merge_regions()):
        raise IdError(
            f"{name} is not written as jupytext would write it around this cell: the "
            "change cannot be made without rewriting the file. Open it in JupyterLab "
            "(with jupytext) and save it once, or write the change by hand"
        )
    merged = "".join(merge.merge_lines())
    try:
        again = read_text(merged, name)
    except Exception as error:
        raise IdError(f"the change would leave {name} unreadable ({error})") from None
    if _content(again) != _content(wanted):
        raise IdError(f"the change would change more of {name} than asked: it is left as it is")
    if crlf:
        merged = merged.replace("\n", "\r\n")
    return merged.encode("utf-8")


def _for_writing(nb: Any) -> Any:
    """What jupytext writes: the notebook as read, without the ids copied from the
    metadata into ``id``, and with cell metadata written (jupytext writes none for a
    file that has no header of its own, such as most ``.qmd`` and ``.Rmd`` files)."""
    node = copy.deepcopy(nb)
    for cell in node.cells:
        cell.pop("id", None)
    info = node.metadata.get("jupytext")
    if isinstance(info, dict):
        info.pop("cell_metadata_filter", None)
    return node


def _content(nb: Any) -> list[tuple[Any, ...]]:
    """What a reader sees of each cell: type, source, id, metadata (but jupytext's own
    spacing keys)."""
    spacing = {"lines_to_next_cell", "lines_to_end_of_cell_marker"}
    return [
        (
            c.cell_type,
            c.source,
            c.get("id"),
            {k: v for k, v in c.metadata.items() if k not in spacing},
        )
        for c in nb.cells
    ]


def _lines(text: str) -> list[str]:
    return text.splitlines(keepends=True)
