"""The scan parses the next notebooks while it stores the previous ones, a batch at a
time: what it stores must still be what is on disk, a search must find every block it
stored, and a batch keeps the first-seen order of ids as notebook-by-notebook writes
would."""

from __future__ import annotations

import os
from pathlib import Path

import nbformat
import pytest

from jupyter_blocks.index.indexer import Indexer
from jupyter_blocks.index.tree import TreeRules
from jupyter_blocks.notebooks.notebook import Skip, read_notebook_file
from jupyter_blocks.store import FileState
from jupyter_blocks.store.sqlite import SQLiteStore


def write(path: Path, source: str, mtime_ns: int) -> None:
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_markdown_cell(source, id="cell")]
    nbformat.write(nb, path)
    os.utime(path, ns=(mtime_ns, mtime_ns))


def test_a_notebook_saved_after_it_was_read_is_stored_as_saved(tmp_path: Path) -> None:
    root = tmp_path / "root"
    root.mkdir()
    write(root / "a.ipynb", "first draft", 1_000_000_000_000)
    store = SQLiteStore(str(tmp_path / "index.sqlite"), str(root))
    store.open()
    try:
        indexer = Indexer(store, TreeRules(str(root)), max_size=2**20)
        stale, _ = indexer.plan()
        # Given a batch read ahead of its turn
        batch = indexer.read(stale)
        # When the notebook is saved before the batch is stored
        write(root / "a.ipynb", "final text", 2_000_000_000_000)
        indexer.write(batch)
        # Then the index holds the saved text, not the one read first
        block = store.get_blocks(["cell"])["cell"]
        assert block.source == "final text"
        assert [hit.id for hit in store.search("final", 10, 1000).hits] == ["cell"]
        assert store.search("draft", 10, 1000).hits == []
    finally:
        store.close()


def test_a_large_scan_is_searchable_block_by_block(tmp_path: Path) -> None:
    root = tmp_path / "root"
    root.mkdir()
    for n in range(300):
        nb = nbformat.v4.new_notebook()
        nb.cells = [
            nbformat.v4.new_markdown_cell(f"word{n} shared", id=f"m{n}"),
            nbformat.v4.new_code_cell(f"x{n} = {n}", id=f"c{n}"),
        ]
        nbformat.write(nb, root / f"nb{n:03}.ipynb")
    store = SQLiteStore(str(tmp_path / "index.sqlite"), str(root))
    store.open()
    try:
        indexer = Indexer(store, TreeRules(str(root)), max_size=2**20)
        stale, _ = indexer.plan()
        indexer.index_all(stale)
        assert store.counts().blocks == 600
        for n in (0, 63, 64, 150, 299):
            assert [hit.id for hit in store.search(f"word{n}", 5, 1000).hits] == [f"m{n}"]
            assert [hit.id for hit in store.search(f"x{n}", 5, 1000).hits] == [f"c{n}"]
        assert len(store.search("shared", 500, 10_000).hits) == 300
    finally:
        store.close()


def test_copies_coming_back_in_one_batch_keep_the_original_first(tmp_path: Path) -> None:
    root = tmp_path / "root"
    root.mkdir()
    for name, mtime in (("a.ipynb", 1), ("b.ipynb", 2)):  # b is a copy of a
        write(root / name, "the same cell", mtime * 1_000_000_000_000)
    store = SQLiteStore(str(tmp_path / "index.sqlite"), str(root))
    store.open()
    try:
        indexer = Indexer(store, TreeRules(str(root)), max_size=2**20)
        indexer.index(indexer.plan()[0])
        assert store.ids_resolving_elsewhere("b.ipynb") == {"cell"}
        # Given both removed (a branch switch), then back in one batch
        indexer.remove(["a.ipynb", "b.ipynb"])
        indexer.index(indexer.plan()[0])
        # Then the original is still a, and b still holds a copy
        assert store.get_blocks(["cell"])["cell"].path == "a.ipynb"
        assert store.ids_resolving_elsewhere("b.ipynb") == {"cell"}
        assert store.ids_resolving_elsewhere("a.ipynb") == set()
    finally:
        store.close()


def test_a_notebook_grown_past_the_limit_since_it_was_listed_is_not_read_whole(
    tmp_path: Path,
) -> None:
    path = tmp_path / "growing.ipynb"
    path.write_bytes(b" " * 5000)
    listed_small = FileState(mtime_ns=0, size=10)
    with pytest.raises(Skip, match="too large"):
        read_notebook_file(str(path), "growing.ipynb", listed_small, max_size=1000)
