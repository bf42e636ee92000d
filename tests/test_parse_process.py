"""A bulk load parses in a child process (parse_process.py): the index it builds is the
one the parser thread builds, for every kind of file a tree holds; the child ends with the
scan; a child that dies or cannot start costs nothing but time; and no file of the tree
can run in the child, whatever folder the server was started from."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import nbformat
import psutil
import pytest
from ondisk import code, md, write  # the on-disk shape: sources as lists of lines

from jupyter_blocks.index import parse_process
from jupyter_blocks.index.indexer import BATCH, Indexer
from jupyter_blocks.index.parse_process import ParseProcess
from jupyter_blocks.index.reading import read_batch
from jupyter_blocks.index.tree import TreeRules
from jupyter_blocks.notebooks.notebook import Skip
from jupyter_blocks.store import FileState
from jupyter_blocks.store.postgres_search import prepare_vectors, vector
from jupyter_blocks.store.sqlite import SQLiteStore


def make_tree(root: Path, notebooks: int) -> None:
    """Notebooks that reference each other, and the odd files a real tree holds."""
    root.mkdir()
    for n in range(notebooks):
        cells = [
            md(f"md-{n}", f"# Notebook {n}\n\nSee ((cell-{n - 1})), and a café."),
            code(f"cell-{n}", f"x = {n}\nprint(x)\n"),
        ]
        write(root / f"nb{n:03d}.ipynb", cells)
    (root / "broken.ipynb").write_text("{ not json")
    (root / "module.py").write_text("print('a module, not a notebook')\n")
    (root / "paired.ipynb").write_text(json.dumps(nbformat.v4.new_notebook()))
    (root / "paired.py").write_text(
        "# ---\n# jupyter:\n#   jupytext:\n#     formats: ipynb,py:percent\n# ---\n\n# %%\nx = 1\n"
    )
    (root / "text.md").write_text(
        "---\njupyter:\n  jupytext:\n    formats: md\n  kernelspec:\n    display_name: Python 3\n"
        "    language: python\n    name: python3\n---\n\n"
        "# A text notebook\n\n```python\ny = 2\n```\n"
    )


def plain(items: list[tuple[str, FileState, object]]) -> list[tuple[object, ...]]:
    """A batch's items, comparable: a skip by its reason."""
    return [(path, state, str(row) if isinstance(row, Skip) else row) for path, state, row in items]


def index(root: Path, db: Path, in_child: bool) -> Indexer:
    store = SQLiteStore(str(db), str(root))
    store.open()
    indexer = Indexer(store, TreeRules(str(root)), max_size=2**20)
    indexer.parse_in_child = in_child
    stale, _ = indexer.plan()
    indexer.index_all(stale)
    store.close()
    return indexer


def dump(db: Path) -> tuple[list[tuple[object, ...]], ...]:
    with sqlite3.connect(db) as con:
        return (
            con.execute(
                "SELECT path, idx, id, label, cell_type, source, title, words, name"
                " FROM blocks ORDER BY path, idx"
            ).fetchall(),
            con.execute(
                "SELECT path, mtime_ns, size, skipped, title, problems FROM files ORDER BY path"
            ).fetchall(),
            con.execute("SELECT block, kind, target FROM links ORDER BY 1, 2, 3").fetchall(),
        )


@pytest.mark.skipif(parse_process.cores() < 2, reason="one core: a scan parses in a thread")
def test_a_scan_parsed_in_a_child_builds_the_index_a_thread_builds(tmp_path: Path) -> None:
    root = tmp_path / "root"
    make_tree(root, 3 * BATCH)
    child = index(root, tmp_path / "child.sqlite", in_child=True)
    thread = index(root, tmp_path / "thread.sqlite", in_child=False)
    blocks, files, links = dump(tmp_path / "child.sqlite")
    assert (blocks, files, links) == dump(tmp_path / "thread.sqlite")
    assert len(blocks) >= 2 * 3 * BATCH and len(links) >= 3 * BATCH - 1
    assert ("broken.ipynb",) in {row[:1] for row in files if row[3]}  # skipped, with why
    # The text half of a pair and a plain module are left out, as the thread leaves them.
    assert child.ignored.keys() == thread.ignored.keys() >= {"paired.py", "module.py"}


def test_a_child_that_dies_mid_scan_leaves_its_batches_to_the_server(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    root = tmp_path / "root"
    make_tree(root, 8)
    rules = TreeRules(str(root))
    files = sorted(rules.walk(""))
    expected = read_batch(rules, 2**20, files, 7)
    with ThreadPoolExecutor(1) as here, ParseProcess(rules, 2**20, here) as child:
        first = child.submit(files[:4], 7).result(timeout=60)
        assert child._child is not None
        child._child.kill()
        rest = [child.submit(files[4:], 7), child.submit(files, 7)]
        answers = [future.result(timeout=60) for future in rest]
    assert plain(first.items + answers[0].items) == plain(expected.items)
    assert plain(answers[1].items) == plain(expected.items)
    assert "the parsing process" in caplog.text


def test_the_child_ends_with_the_scan_and_a_scan_stopped_early(tmp_path: Path) -> None:
    root = tmp_path / "root"
    make_tree(root, 4)
    rules = TreeRules(str(root))
    files = sorted(rules.walk(""))
    with ThreadPoolExecutor(1) as here:
        with ParseProcess(rules, 2**20, here) as child:
            assert child.submit(files, 1).result(timeout=60).items
            process = child._child
        assert child.reaper is not None
        child.reaper.join(timeout=30)
        assert process is not None and process.poll() == 0
        with ParseProcess(rules, 2**20, here) as child:
            waiting = [child.submit(files, 1) for _ in range(3)]
            process = child._child
        assert child.reaper is not None
        child.reaper.join(timeout=30)
        assert process is not None and process.poll() is not None
        assert all(future.done() for future in waiting)


def test_the_store_s_work_is_done_in_the_child(tmp_path: Path) -> None:
    root = tmp_path / "root"
    make_tree(root, 2)
    rules = TreeRules(str(root))
    files = sorted(rules.walk(""))
    with ThreadPoolExecutor(1) as here, ParseProcess(rules, 2**20, here, prepare_vectors) as child:
        batch = child.submit(files, 1).result(timeout=60)
    rows = [row for _, _, row in batch.items if hasattr(row, "blocks")]
    assert rows
    for row in rows:
        for block in row.blocks:
            assert block.prepared == (
                vector(block.source, row.path, block.name),
                block.prepared[1],
                row.path,
            )


def test_no_file_of_the_folder_the_server_started_in_runs_in_the_child(tmp_path: Path) -> None:
    """The server started in the notebooks' folder, which holds a module named like ours
    and a ``sitecustomize``: the child parses, and neither runs."""
    root = tmp_path / "root"
    make_tree(root, 2)
    marker = tmp_path / "ran"
    payload = f"open({str(marker)!r}, 'w').write('ran')\n"
    (root / "jupyter_blocks").mkdir()
    (root / "jupyter_blocks" / "__init__.py").write_text(payload)
    (root / "sitecustomize.py").write_text(payload)
    (root / "pickle.py").write_text(payload)
    script = (
        "import sys\n"
        "sys.path.pop(0)  # the server imports our package from its install\n"
        "from jupyter_blocks.index.parse_process import ParseProcess\n"
        "from jupyter_blocks.index.tree import TreeRules\n"
        "rules = TreeRules('.')\n"
        "files = sorted(rules.walk(''))\n"
        "from concurrent.futures import ThreadPoolExecutor\n"
        "with ThreadPoolExecutor(1) as here, ParseProcess(rules, 2**20, here) as child:\n"
        "    batch = child.submit(files, 1).result(timeout=60)\n"
        "print(sum(1 for _, _, row in batch.items if hasattr(row, 'blocks')))\n"
    )
    env = {k: v for k, v in os.environ.items() if k != "PYTHONSAFEPATH"}
    result = subprocess.run(
        [sys.executable, "-c", script], cwd=root, env=env, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr
    assert int(result.stdout.strip()) >= 2
    assert not marker.exists()
    assert "the parsing process" not in result.stderr  # parsed in the child, not here


@pytest.mark.both_stores
async def test_a_server_s_first_scan_of_many_notebooks_serves_them_all(jp_root_dir, blocks):
    """Through the server: its first scan (a child parses when there is a core to spare)
    indexes every notebook, resolves the references between them, and leaves no child."""
    make_tree(jp_root_dir / "many", 2 * BATCH)
    status = await blocks.ready()
    # the notebooks, the text notebook and the pair's notebook; the broken one skipped
    assert status["notebooks"] == 2 * BATCH + 2
    assert [s["path"] for s in status["skipped"]] == ["many/broken.ipynb"]
    last = 2 * BATCH - 1
    hits = await blocks.get("search", q=f"Notebook {last}")
    assert f"many/nb{last:03d}.ipynb" in {hit["path"] for hit in hits["results"]}
    assert (f"md-{last}",) in {(b[0],) for b in await blocks.backlink_set(f"cell-{last - 1}")}
    # The child is given the end of its input with the scan's last batch, and goes.
    children = psutil.Process().children(recursive=True)
    parsers = [c for c in children if "parse_process" in " ".join(c.cmdline())]
    _gone, alive = psutil.wait_procs(parsers, timeout=15)
    assert alive == []


def test_without_a_child_the_batches_are_read_on_the_parser_thread(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """An interpreter that cannot be started (a frozen application, no memory to fork):
    the batches are read on the thread the caller gave, never on the caller's own (the
    server's event loop)."""
    root = tmp_path / "root"
    make_tree(root, 2)
    rules = TreeRules(str(root))
    files = sorted(rules.walk(""))
    monkeypatch.setattr(sys, "executable", str(tmp_path / "no-python-here"))
    seen: list[str] = []

    def prepare(row: object) -> None:
        seen.append(threading.current_thread().name)

    with (
        ThreadPoolExecutor(1, thread_name_prefix="parser") as here,
        ParseProcess(rules, 2**20, here, prepare) as child,
    ):
        batch = child.submit(files, 1).result(timeout=60)
    assert plain(batch.items) == plain(read_batch(rules, 2**20, files, 1).items)
    assert seen and all(name.startswith("parser") for name in seen)
    assert "could not start" in caplog.text
