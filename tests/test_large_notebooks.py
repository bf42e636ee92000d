"""A very large notebook is parsed once per state, however many of its blocks are
served and however often (issue 28): its embeds come in one bounded answer, and come
again without reading the file again."""

from __future__ import annotations

from pathlib import Path

import nbformat
import pytest
from nbformat import v4
from nbformat.sign import NotebookNotary

from jupyter_blocks.notebooks.cells import CACHE_MAX_FILE, NotebookReader

ROWS = 200


def big_notebook(path: Path, cells: int) -> Path:
    """Code cells each with a table output (text and HTML), in nbformat's on-disk shape."""
    nb = v4.new_notebook()
    for i in range(cells):
        cell = v4.new_code_cell(f"x{i} = {i}\nx{i}", id=f"c{i}")
        rows = [f"row {j}, value {i}" for j in range(ROWS)]
        html = "<table>" + "".join(f"<tr><td>{j}</td><td>{i}</td></tr>\n" for j in range(ROWS))
        cell.outputs = [
            v4.new_output(
                "execute_result",
                data={"text/plain": "\n".join(rows), "text/html": html + "</table>"},
                execution_count=1,
            )
        ]
        nb.cells.append(cell)
    nbformat.write(nb, path)
    return path


@pytest.fixture
def large_root(jp_root_dir: Path) -> Path:
    path = big_notebook(jp_root_dir / "big.ipynb", 2600)
    assert path.stat().st_size > CACHE_MAX_FILE  # kept slim, not whole
    return jp_root_dir


async def test_fifty_embeds_of_a_very_large_notebook_come_in_one_answer(large_root, blocks):
    await blocks.ready(timeout=120)
    ids = [f"c{i}" for i in range(0, 2600, 52)]
    for _ in range(2):  # the second time from what was kept
        found = (await blocks.post("resolve", body={"ids": ids}))["blocks"]
        assert [found[i]["id"] for i in ids] == ids
        for i in ids:
            [output] = found[i]["outputs"]
            assert output["data"]["text/plain"].startswith("row 0, value " + i[1:])
            assert isinstance(output["data"]["text/html"], str)  # joined, as on screen


def test_a_large_notebook_is_parsed_once_per_state(tmp_path):
    path = big_notebook(tmp_path / "nb.ipynb", 30)
    reader = NotebookReader(2**30, whole_up_to=1024)  # every file counts as large
    (tmp_path / "notary").mkdir()
    notary = NotebookNotary(data_dir=str(tmp_path / "notary"))
    first = reader.served(str(path), [("c1", 1), ("c2", 2)], notary)
    assert first is not None and first.signature
    # The same cells again: what was kept answers (the same object, no parse)
    again = reader.served(str(path), [("c2", 2)], notary)
    assert again is not None and again.cell("c2", 2) == first.cell("c2", 2)
    assert reader.served(str(path), [("c1", 1)], notary) is again
    # It equals the whole notebook read plainly, signature included
    whole = NotebookReader(2**30).read(str(path))
    assert whole is not None
    assert first.cell("c1", 1) == whole.cell("c1", 1)
    assert first.signature == NotebookReader.signature(whole, notary)
    # Another cell is read once more, then kept beside the others
    third = reader.served(str(path), [("c9", 9)], notary)
    assert third is not None and third.cell("c9", 9) == whole.cell("c9", 9)
    assert reader.served(str(path), [("c1", 1), ("c9", 9)]) is not None
    # A change of the file is a new state: read again
    nbformat.write(nbformat.v4.new_notebook(cells=[v4.new_markdown_cell("x", id="c1")]), path)
    changed = reader.served(str(path), [("c1", 1)])
    assert changed is not None and changed.cell("c1", 1)["cell_type"] == "markdown"
