"""Reading one notebook file into blocks, or into a reason it cannot be indexed.

Pure functions of the file's bytes: no index, no server. Reading never writes.
"""

from __future__ import annotations

import codecs
import os
import posixpath
from typing import Any

import orjson

from .refs import find_references, is_block_id
from .store import BlockRow, FileState, LinkRow, NotebookRow

CELL_TYPES = ("markdown", "code", "raw")


class Skip(Exception):
    """A file that cannot be indexed; the message says why, for the user."""


def read_notebook_file(os_path: str, path: str, state: FileState, max_size: int) -> NotebookRow:
    """Read and parse ``os_path`` (served as ``path``) into a NotebookRow, or raise Skip."""
    if state.size > max_size:
        raise Skip(_too_large(state.size, max_size))
    try:
        with open(os_path, "rb") as f:
            # read(n) allocates n bytes: ask for the size the file has, and past it (it
            # is growing) for no more than the limit allows.
            size = os.fstat(f.fileno()).st_size
            data = f.read(min(size, max_size) + 1)
            if size < len(data) <= max_size:
                data += f.read(max_size + 1 - len(data))
    except OSError as error:
        raise Skip(f"cannot be read: {error.strerror or error}") from error
    if len(data) > max_size:
        raise Skip(_too_large(len(data), max_size))
    return parse_notebook(data, path, state)


def _too_large(size: int, max_size: int) -> str:
    return (
        f"too large: {size / 2**20:.1f} MiB, over the limit of "
        f"{max_size / 2**20:.0f} MiB (c.BlocksExtension.max_notebook_size)"
    )


def load_json(data: bytes) -> dict[str, Any]:
    """The notebook's JSON object, or Skip with a reason."""
    if data.startswith(codecs.BOM_UTF8):
        data = data[len(codecs.BOM_UTF8) :]
    if not data or data.isspace():  # (strip() would copy the whole file)
        raise Skip("empty file")
    try:
        nb = orjson.loads(data)
    except orjson.JSONDecodeError as error:
        raise Skip(f"not valid JSON: {error}") from None
    if not isinstance(nb, dict):
        raise Skip("not a notebook: the JSON is not an object")
    return nb


def parse_notebook(data: bytes, path: str, state: FileState) -> NotebookRow:
    nb = load_json(data)
    major, minor = nb.get("nbformat"), nb.get("nbformat_minor", 0)
    if not isinstance(major, int) or isinstance(major, bool):
        raise Skip("not a notebook: no nbformat version")
    if major == 3:
        nb, minor = _upgrade_v3(data), 0
    elif major != 4:
        raise Skip(f"nbformat {major} is not supported (versions 3 and 4 are)")
    cells = nb.get("cells")
    if not isinstance(cells, list):
        raise Skip("not a notebook: it has no list of cells")
    blocks = [_block(i, cell) for i, cell in enumerate(cells) if isinstance(cell, dict)]
    return NotebookRow(
        path=path,
        mtime_ns=state.mtime_ns,
        size=state.size,
        blocks=blocks,
        nbformat=4,
        nbformat_minor=minor if isinstance(minor, int) else 0,
    )


def cell_source(cell: dict[str, Any]) -> str:
    source = cell.get("source", "")
    if isinstance(source, list):
        return "".join(s for s in source if isinstance(s, str))
    return source if isinstance(source, str) else ""


def _block(index: int, cell: dict[str, Any]) -> BlockRow:
    cell_type = cell.get("cell_type")
    if not isinstance(cell_type, str):
        cell_type = "unknown"
    source = cell_source(cell)
    cell_id = cell.get("id")
    links: list[LinkRow] = []
    if cell_type == "markdown":
        links = [
            LinkRow(
                ref.kind,
                normalize_path(ref.target) if ref.kind == "notebook" else ref.target,
                ref.facet,
            )
            for ref in find_references(source)
        ]
    return BlockRow(
        index=index,
        # An id that breaks the schema cannot be referenced: the cell is addressed by
        # its position, as an id-less one.
        id=cell_id if isinstance(cell_id, str) and is_block_id(cell_id) else None,
        cell_type=cell_type,
        source=source,
        links=links,
    )


def _upgrade_v3(data: bytes) -> dict[str, Any]:
    """nbformat 3 (worksheets) converted with nbformat itself; its cells get no ids, as
    the file on disk has none (ids invented here would change at every read)."""
    import nbformat

    try:
        nb = nbformat.reads(data.decode("utf-8", "replace"), as_version=4)
    except Exception as error:  # nbformat raises many kinds on bad v3 input
        raise Skip(f"nbformat 3 notebook that could not be converted: {error}") from None
    for cell in nb.cells:
        cell.pop("id", None)
    return dict(nb)


def normalize_path(target: str) -> str:
    """A notebook path as written in ``[[...]]``, made comparable with server paths:
    relative to the root, ``/``-separated, without ``./`` or a leading ``/``."""
    target = target.strip().replace("\\", "/")
    normalized = posixpath.normpath("/" + target).lstrip("/")
    return normalized
