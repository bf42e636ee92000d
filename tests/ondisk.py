"""Notebooks written as nbformat writes them on disk (multiline strings as lists of
lines, JSON mime types as values), for tests that must see the real shape."""

from __future__ import annotations

import base64
import zlib
from pathlib import Path
from typing import Any

import nbformat
from nbformat import v4


def png(width: int = 4, height: int = 3, rgb: tuple[int, int, int] = (200, 30, 30)) -> bytes:
    """A real PNG picture (a plain colour)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return len(data).to_bytes(4, "big") + body + zlib.crc32(body).to_bytes(4, "big")

    row = b"\x00" + bytes(rgb) * width
    header = width.to_bytes(4, "big") + height.to_bytes(4, "big") + b"\x08\x02\x00\x00\x00"
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(row * height))
        + chunk(b"IEND", b"")
    )


PNG_B64 = base64.b64encode(png()).decode()

TABLE_HTML = """<div>
<style scoped>
    .dataframe tbody tr th:only-of-type {
        vertical-align: middle;
    }
</style>
<table border="1" class="dataframe">
  <thead>
    <tr style="text-align: right;">
      <th></th>
      <th>total</th>
      <th>monthly_avg</th>
    </tr>
  </thead>
  <tbody>
    <tr>
      <th>North</th>
      <td>1234</td>
      <td>102.8</td>
    </tr>
    <tr>
      <th>South</th>
      <td>987</td>
      <td>82.3</td>
    </tr>
  </tbody>
</table>
</div>"""


def md(cell_id: str | None, source: str, **extra: Any) -> Any:
    cell = v4.new_markdown_cell(source, **extra)
    return _with_id(cell, cell_id)


def code(cell_id: str | None, source: str, outputs: list[Any] | None = None, **extra: Any) -> Any:
    cell = v4.new_code_cell(source, outputs=outputs or [], execution_count=1, **extra)
    return _with_id(cell, cell_id)


def table_output() -> Any:
    return v4.new_output(
        "execute_result",
        {"text/html": TABLE_HTML, "text/plain": "       total  monthly_avg\nNorth   1234  102.8"},
        execution_count=1,
    )


def plot_output() -> Any:
    return v4.new_output("display_data", {"image/png": PNG_B64, "text/plain": "<Figure>"})


def stream(text: str) -> Any:
    return v4.new_output("stream", name="stdout", text=text)


def _with_id(cell: Any, cell_id: str | None) -> Any:
    if cell_id is None:
        cell.pop("id", None)
    else:
        cell["id"] = cell_id
    return cell


def write(path: Path, cells: list[Any], minor: int = 5, **metadata: Any) -> Path:
    """Write a notebook as nbformat writes it (lists of lines on disk)."""
    nb = v4.new_notebook(cells=cells, metadata=metadata)
    nb.nbformat_minor = minor
    if minor < 5:
        for cell in nb.cells:
            cell.pop("id", None)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(nbformat.writes(nb, version=4), encoding="utf-8")
    return path
