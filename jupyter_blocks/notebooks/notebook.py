"""Reading one notebook file into blocks, or into a reason it cannot be indexed.

Pure functions of the file's bytes: no index, no server. Reading never writes.
"""

from __future__ import annotations

import codecs
import json
import os
import posixpath
import stat
from typing import Any

import orjson

from ..links.labels import label_of
from ..links.refs import MAX_PARSE_COST, find_references, is_block_id, parse_cost
from ..links.searchtext import index_text
from ..links.titles import block_title, is_heading
from ..store import BlockRow, FileState, LinkRow, NotebookRow
from ..store.records import path_key
from . import textnotebooks as text
from .files import Skip, open_regular

CELL_TYPES = ("markdown", "code", "raw")
# The default of c.BlocksExtension.max_notebook_size: larger files are never read whole.
DEFAULT_MAX_SIZE = 100 * 2**20


def read_notebook_file(os_path: str, path: str, state: FileState, max_size: int) -> NotebookRow:
    """Read and parse ``os_path`` (served as ``path``) into a NotebookRow, or raise Skip."""
    return notebook_row(read_notebook(os_path, max_size, state.size), path, state)


def read_notebook(os_path: str, max_size: int, size: int = 0) -> dict[str, Any]:
    """The notebook at ``os_path`` as the block model reads it (``load_notebook``): an
    ``.ipynb``, or a text notebook (``textnotebooks.py``); a paired ``.ipynb`` with its
    inputs from its text file when that is newer. Skip with a reason otherwise (also a
    file of more than ``max_size`` bytes, or that is not a regular file)."""
    name = os.path.basename(os_path)
    if text.is_text_name(name):
        data = read_bounded(os_path, size, max_size)
        decoded = text.decode(data)
        if text.looks_like_notebook(decoded, name):
            partner = text.paired_notebook(os_path, decoded)
            if partner is not None:
                raise text.PairedText(os.path.basename(partner))
        return load_notebook(data, name)
    try:
        mtime_ns = os.stat(os_path).st_mtime_ns
    except (OSError, ValueError) as error:
        raise Skip(f"cannot be read: {getattr(error, 'strerror', None) or error}") from None
    # (``size`` may be a pair's, both files': the file's own is checked as it is read.)
    nb = load_notebook(read_bounded(os_path, 0, max_size))
    partner = text.paired_text(os_path, nb)
    if partner is None:
        return nb
    both = text.combined(nb, mtime_ns, partner, lambda p: read_bounded(p, 0, max_size))
    if both is not nb:
        both["cells"] = [_normalized_cell(cell) for cell in both["cells"]]
    return both


def notebook_state(os_path: str, siblings: set[str] | None = None) -> FileState | None:
    """A notebook file's state, or None when it is gone. An ``.ipynb`` with a text
    notebook of its stem beside it (a pair, maybe) gets both files' state (the later
    time, the sum of the sizes), so that a change to either gets it read again.
    ``siblings``: the names in its folder, when known (no look for absent ones)."""
    try:
        st = os.stat(os_path)
    except (OSError, ValueError):
        return None
    state = FileState(st.st_mtime_ns, st.st_size)
    if not os_path.endswith(".ipynb"):
        return state
    stem = os_path[: -len(".ipynb")]
    for suffix in text.TEXT_SUFFIXES:
        if siblings is not None and os.path.basename(stem) + suffix not in siblings:
            continue
        try:
            other = os.stat(stem + suffix)
        except (OSError, ValueError):
            continue
        if stat.S_ISREG(other.st_mode):
            state = FileState(max(state.mtime_ns, other.st_mtime_ns), state.size + other.st_size)
    return state


def read_bounded(os_path: str, size: int, max_size: int) -> bytes:
    """The bytes of a file of ``size`` bytes (as listed), never more than ``max_size``:
    Skip when it is (or has grown) larger, or cannot be read."""
    if size > max_size:
        raise Skip(_too_large(size, max_size))
    try:
        with open_regular(os_path) as f:
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
    return data


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
        nb = _strict_json(data, error)
    if not isinstance(nb, dict):
        raise Skip("not a notebook: the JSON is not an object")
    return nb


def load_notebook(data: bytes, name: str = "") -> dict[str, Any]:
    """A notebook file's bytes as the block model reads them: nbformat 4 JSON with
    nbformat's own reading rules applied, or Skip with a reason a user can act on. A
    ``name`` of a text notebook (``.py``, ``.md``, ``.Rmd``, ``.qmd``) is read by
    jupytext (``textnotebooks.load_text``), then normalized the same way.

    The one step from disk to blocks (the index, the REST API, the CLI, check, export
    and reuse all read through it). On disk nbformat writes every multiline string as a
    list of lines; here, as in ``nbformat.reads``:

    - nbformat 3 (worksheets) is converted by nbformat itself (its cells get no ids,
      as the file has none);
    - sources, stream text, attachments and the ``data`` of ``display_data`` and
      ``execute_result`` are joined into strings, except JSON mime types
      (``application/json``, ``application/*+json``), whose values are JSON
      (``nbformat.v4.rwbase.rejoin_lines``);
    - transient keys are dropped (``metadata.signature``, ``orig_nbformat*``, a cell's
      ``metadata.trusted``: ``nbformat.v4.rwbase.strip_transient``);
    - missing optional keys get nbformat's defaults (``metadata``, a code cell's
      ``outputs`` and ``execution_count``).

    Unlike nbformat, a malformed part never fails the whole notebook: a cell that is
    not an object keeps its position as an empty ``invalid`` cell (not a block), and an output that
    is not an object becomes ``{"output_type": "invalid", "reason": ...}`` (positions
    matter: references address cells, and facets outputs, by position).
    """
    if name and text.is_text_name(name):
        nb = text.load_text(data, name)
        nb["cells"] = [_normalized_cell(cell) for cell in nb["cells"]]
        return nb
    nb = load_json(data)
    major = nb.get("nbformat")
    if not isinstance(major, int) or isinstance(major, bool):
        raise Skip("not a notebook: no nbformat version")
    if major == 3:
        nb = _upgrade_v3(data)
    elif major != 4:
        raise Skip(f"nbformat {major} is not supported (versions 3 and 4 are)")
    cells = nb.get("cells")
    if not isinstance(cells, list):
        raise Skip("not a notebook: it has no list of cells")
    minor = nb.get("nbformat_minor")
    nb["nbformat"] = 4
    nb["nbformat_minor"] = minor if isinstance(minor, int) and not isinstance(minor, bool) else 0
    metadata = nb.get("metadata")
    nb["metadata"] = metadata = metadata if isinstance(metadata, dict) else {}
    for key in _TRANSIENT_NOTEBOOK_METADATA:
        metadata.pop(key, None)
    nb["cells"] = [_normalized_cell(cell) for cell in cells]
    return nb


_TRANSIENT_NOTEBOOK_METADATA = ("signature", "orig_nbformat", "orig_nbformat_minor")


def _normalized_cell(cell: Any) -> dict[str, Any]:
    if not isinstance(cell, dict):
        return {"cell_type": "invalid", "source": "", "metadata": {}}
    cell["source"] = _joined(cell.get("source", ""))
    metadata = cell.get("metadata")
    cell["metadata"] = metadata if isinstance(metadata, dict) else {}
    cell["metadata"].pop("trusted", None)
    attachments = cell.get("attachments")
    if isinstance(attachments, dict):
        for bundle in attachments.values():
            if isinstance(bundle, dict):
                _rejoin_bundle(bundle)
    if cell.get("cell_type") == "code":
        outputs = cell.get("outputs")
        cell["outputs"] = (
            [_normalized_output(o) for o in outputs] if isinstance(outputs, list) else []
        )
        count = cell.get("execution_count")
        cell["execution_count"] = (
            count if isinstance(count, int) and not isinstance(count, bool) else None
        )
    return cell


def _normalized_output(output: Any) -> dict[str, Any]:
    if not isinstance(output, dict):
        return {
            "output_type": "invalid",
            "reason": f"an output is {type(output).__name__}, not an object",
        }
    kind = output.get("output_type")
    if kind in ("execute_result", "display_data"):
        data = output.get("data")
        if isinstance(data, dict):
            _rejoin_bundle(data)
        else:
            output["data"] = {}
        if not isinstance(output.get("metadata"), dict):
            output["metadata"] = {}
    elif isinstance(output.get("text"), list):
        output["text"] = _joined(output["text"])
    return output


def _rejoin_bundle(bundle: dict[str, Any]) -> None:
    """nbformat's rule for a mime bundle: lists of lines joined, JSON mime types kept."""
    for mime, value in bundle.items():
        if (
            isinstance(value, list)
            and not _is_json_mime(mime)
            and all(isinstance(v, str) for v in value)
        ):
            bundle[mime] = "".join(value)


def _is_json_mime(mime: str) -> bool:
    # nbformat.v4.rwbase._is_json_mime, the rule its reader applies.
    return mime == "application/json" or (
        mime.startswith("application/") and mime.endswith("+json")
    )


def _joined(value: Any) -> str:
    if isinstance(value, list):
        return "".join(v for v in value if isinstance(v, str))
    return value if isinstance(value, str) else ""


def notebook_row(nb: dict[str, Any], path: str, state: FileState) -> NotebookRow:
    """The index's record of a notebook loaded by ``load_notebook``. Markdown cells are
    searched for references within a parse budget (MAX_PARSE_COST a cell,
    NOTEBOOK_PARSE_BUDGET a notebook); a cell past it is kept as text, with no
    references, and the reason is recorded in ``problems``."""
    budget = NOTEBOOK_PARSE_BUDGET
    blocks: list[BlockRow] = []
    problems: list[str] = []
    for index, cell in enumerate(nb["cells"]):
        if cell.get("cell_type") == "invalid":
            continue
        source: str = cell["source"]
        parse = cell.get("cell_type") == "markdown" and ("((" in source or "[[" in source)
        cost = parse_cost(source) if parse else 0
        if cost > MAX_PARSE_COST or cost > budget:
            problems.append(
                f"cell {index + 1}: its markdown costs too much to parse for references "
                f"({len(source) // 1024} KiB); it is searchable as text, its references "
                "are not indexed"
            )
            parse = False
        budget -= cost if parse else 0
        blocks.append(_block(index, cell, parse))
    return NotebookRow(
        path=path,
        mtime_ns=state.mtime_ns,
        size=state.size,
        blocks=blocks,
        nbformat=4,
        nbformat_minor=nb["nbformat_minor"],
        problems=problems,
        title=notebook_title(blocks),
    )


def notebook_title(blocks: list[BlockRow]) -> str:
    """A notebook's title: its first heading (the title of the first markdown block
    that starts with one), or "" (the file name stands in for it)."""
    for block in blocks:
        if block.cell_type == "markdown" and block.source.lstrip().startswith("#"):
            return block.title
    return ""


# Markdown parsed for references in one notebook, at most (about two seconds).
NOTEBOOK_PARSE_BUDGET = 4 * MAX_PARSE_COST


def cell_source(cell: dict[str, Any]) -> str:
    """A cell's source as one string (a cell from ``load_notebook`` already has it)."""
    return _joined(cell.get("source", ""))


def _block(index: int, cell: dict[str, Any], parse: bool) -> BlockRow:
    cell_type = cell.get("cell_type")
    if not isinstance(cell_type, str):
        cell_type = "unknown"
    source: str = cell["source"]
    cell_id = cell.get("id")
    links: list[LinkRow] = []
    if parse:
        links = [
            LinkRow(
                ref.kind,
                # Notebook paths compare in NFC, as the index keys them.
                path_key(normalize_path(ref.target)) if ref.kind == "notebook" else ref.target,
                ref.written_facet(),
            )
            for ref in find_references(source)
        ]
    label = label_of(cell_type, source)
    title = block_title(source, cell_type)
    return BlockRow(
        index=index,
        # An id that breaks the schema cannot be referenced: the cell is addressed by
        # its position, as an id-less one.
        id=cell_id if isinstance(cell_id, str) and is_block_id(cell_id) else None,
        cell_type=cell_type,
        source=source,
        links=links,
        label=label,
        title=title,
        words=index_text(source),
        name=" ".join(filter(None, [label, title if is_heading(source, cell_type) else ""])),
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


def _strict_json(data: bytes, error: Exception) -> Any:
    """What orjson refuses but Jupyter writes and reads: NaN and Infinity (Python's
    ``json``, which nbformat uses, writes them), read with the standard parser; else
    Skip with orjson's reason (a text that is not UTF-8 is said so)."""
    try:
        # As UTF-8 only, as Jupyter reads notebooks (json would also take UTF-16)
        return json.loads(data.decode("utf-8"))
    except UnicodeDecodeError as bad:
        raise Skip(f"not valid JSON: not UTF-8 text (byte {bad.start})") from None
    except (ValueError, RecursionError):
        raise Skip(f"not valid JSON: {error}") from None
