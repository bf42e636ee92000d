"""Text notebooks are block sources (issue 29, part 1): py:percent, MyST markdown, R
Markdown and Quarto files indexed as notebooks through jupytext, their cells blocks with
ids kept in the format's own cell metadata: referenced, embedded (a paired .ipynb
supplies outputs), searched, backlinked, labelled, given ids, checked and exported like
.ipynb, over real HTTP and the command line."""

from __future__ import annotations

import difflib
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from helpers import run_check
from textfixtures import fake_program, text_root

pytestmark = pytest.mark.both_stores


@pytest.fixture
def pandoc_ran(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A pandoc on the server's PATH that records each run."""
    ran = fake_program(tmp_path / "bin", "pandoc")
    fake_program(tmp_path / "bin", "quarto")
    monkeypatch.setenv("PATH", f"{tmp_path / 'bin'}{os.pathsep}{os.environ['PATH']}")
    return ran


@pytest.fixture
def texts(jp_root_dir: Path, pandoc_ran: Path) -> Path:
    text_root(jp_root_dir)
    # The text half of the pair edited later (in an editor): its inputs are the truth
    pair = jp_root_dir / "pair.py"
    pair.write_text(pair.read_text().replace("a = 1\n", "a = 41 + 1\n"))
    later = time.time() + 5
    os.utime(pair, (later, later))
    return jp_root_dir


def diff(before: str, after: str) -> list[str]:
    return [
        line for line in difflib.ndiff(before.splitlines(), after.splitlines()) if line[:1] in "+-"
    ]


async def test_text_notebooks_are_indexed_and_others_left_alone(texts, blocks, pandoc_ran):
    status = await blocks.ready()
    # analysis.md, script.py, report.Rmd, sales.qmd, the pair (once), host.ipynb
    assert status["notebooks"] == 6
    skipped = {s["path"]: s["reason"] for s in status["skipped"]}
    # A half-written text notebook and one that only pandoc reads: skipped, said why
    assert set(skipped) == {"half.py", "read-by-pandoc.md"}
    assert "UTF-8" in skipped["half.py"]
    assert "never runs programs" in skipped["read-by-pandoc.md"]
    # No program ran to read them
    assert not pandoc_ran.exists()
    # A readme and a module are no notebooks; the text half of a pair is no second one
    for path in ("README.md", "module.py", "pair.py"):
        assert path not in skipped
        code, _ = await blocks.error("backlink-counts", path=path)
        assert code == 404  # not a notebook the index holds
    found = await blocks.get("search", q="readme")
    assert found["results"] == []


async def test_blocks_of_text_notebooks_resolve_search_and_backlink(texts, blocks):
    await blocks.ready()
    model = await blocks.get("block", "churn-model")
    assert (model["path"], model["index"], model["cell_type"]) == ("analysis.md", 2, "code")
    assert model["source"] == "import math\nrate = 0.1\nrate"
    assert model["language"] == "python"
    # Ids from each format's own metadata
    for block_id, path in [
        ("churn-intro", "analysis.md"),
        ("script-calc", "script.py"),
        ("rmd-chunk", "report.Rmd"),
    ]:
        assert (await blocks.get("block", block_id))["path"] == path
    # Labels (Quarto's #| label:) work like ids, in .md and .qmd alike
    assert (await blocks.get("block", "fig-churn"))["path"] == "analysis.md"
    assert (await blocks.get("block", "fig-quarto"))["path"] == "sales.qmd"
    # Searched, and backlinked from text notebooks and from .ipynb
    hits = (await blocks.get("search", q="customers leave"))["results"]
    assert [h["id"] for h in hits] == ["churn-intro"]
    assert await blocks.backlink_set("churn-model") == {
        ("script-notes", "script.py", "ref"),
        ("host-1", "host.ipynb", "embed"),
    }


async def test_a_pair_is_one_notebook_with_the_texts_inputs_and_the_ipynbs_outputs(texts, blocks):
    await blocks.ready()
    found = (await blocks.post("resolve", body={"ids": ["pair-a"]}))["blocks"]["pair-a"]
    assert found["path"] == "pair.ipynb"
    assert found["source"] == "a = 41 + 1\na"  # from pair.py, newer
    assert found["outputs"][0]["data"]["text/plain"] == "1"  # from pair.ipynb
    hits = (await blocks.get("search", q="Paired notebook"))["results"]
    assert [h["path"] for h in hits] == ["pair.ipynb"]


async def test_an_id_is_written_in_the_formats_own_syntax_and_nothing_else(texts, blocks):
    await blocks.ready()
    before = (texts / "analysis.md").read_text()
    # The labelled cell has no id: a reference to it needs one
    reply = await blocks.post("ensure-id", body={"path": "analysis.md", "index": 3})
    assert reply["written"] is True
    after = (texts / "analysis.md").read_text()
    assert diff(before, after) == [f"+ :id: {reply['id']}", "+ "]
    assert (await blocks.get("block", reply["id"]))["index"] == 3
    # A cell that has one keeps it, and nothing is written
    before = (texts / "script.py").read_bytes()
    reply = await blocks.post("ensure-id", body={"path": "script.py", "index": 1})
    assert (reply["id"], reply["written"]) == ("script-calc", False)
    assert (texts / "script.py").read_bytes() == before
    # Quarto: the chunk header takes it
    before = (texts / "sales.qmd").read_text()
    reply = await blocks.post("ensure-id", body={"path": "sales.qmd", "index": 2})
    assert diff(before, (texts / "sales.qmd").read_text()) == [
        "- ```{python}",
        f'+ ```{{python id="{reply["id"]}"}}',
    ]


async def test_a_label_renamed_rewrites_references_in_text_notebooks(texts, blocks):
    await blocks.ready()
    before = (texts / "script.py").read_text()
    reply = await blocks.post(
        "rename-label", body={"label": "fig-churn", "new": "fig-loss", "open": []}
    )
    assert {w["path"] for w in reply["written"]} >= {"script.py", "analysis.md"}
    assert diff(before, (texts / "script.py").read_text()) == [
        "- # The model: ((churn-model)); the figure: ((fig-churn)).",
        "+ # The model: ((churn-model)); the figure: ((fig-loss)).",
    ]
    assert "#| label: fig-loss" in (texts / "analysis.md").read_text()


def test_check_and_export_read_text_notebooks(texts, tmp_path):
    returncode, _, text = run_check(texts, tmp_path / "home")
    # Every reference written in a text notebook, and to one, resolves; the two text
    # files that cannot be read are named with the reason
    assert "Every reference resolves." in text, text
    assert "half.py: not valid UTF-8" in text and "read-by-pandoc.md: a pandoc" in text
    assert returncode == 0
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "jupyter_blocks.cli",
            "export",
            str(texts / "script.py"),
            "--to=html",
            f"--BlocksApp.db_path={tmp_path / 'home' / 'index.sqlite'}",
        ],
        env={**os.environ, "JUPYTER_DATA_DIR": str(tmp_path / "home" / "data")},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    html = (texts / "script.html").read_text()
    assert "Script notes" in html and "import math" in html


@pytest.mark.parametrize(
    ("name", "header", "cell", "found"),
    [
        # Headers as people write them by hand: a format named, its extension not
        (
            "notes.md",
            "jupytext:\n  text_representation:\n    format_name: myst\n",
            "```{code-cell} ipython3\n:id: hand-myst\n\nx = 1\n```\n",
            "hand-myst",
        ),
        (
            "notes.md",
            "kernelspec:\n  name: python3\n  display_name: Python 3\n",
            "```{code-cell} ipython3\n:id: kernel-myst\n\nx = 1\n```\n",
            "kernel-myst",
        ),
        (
            "notes.md",
            "jupyter:\n  kernelspec:\n    name: python3\n    display_name: Python 3\n",
            '```python id="hand-md"\nx = 1\n```\n',
            "hand-md",
        ),
    ],
)
def test_a_hand_written_header_reads_with_the_format_its_cells_use(
    tmp_path: Path, name: str, header: str, cell: str, found: str
):
    path = tmp_path / name
    path.write_text(f"---\n{header}---\n\n# Notes\n\n{cell}")
    from jupyter_blocks.notebooks.notebook import read_notebook

    cells = read_notebook(str(path), 2**20)["cells"]
    assert [c.get("id") for c in cells if c["cell_type"] == "code"] == [found]
    assert cells[0]["source"] == "# Notes"


def alias_bomb(levels: int) -> str:
    """A MyST header whose anchors repeat each other nine times, ``levels`` deep."""
    lines = ["---", "jupytext:", "  text_representation:", "    format_name: myst", "bomb:"]
    lines.append('  a: &a ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]')
    previous = "a"
    for name in "bcdefghijk"[:levels]:
        lines.append(f"  {name}: &{name} [" + ", ".join([f"*{previous}"] * 9) + "]")
        previous = name
    return "\n".join(
        [*lines, "---", "", "```{code-cell} ipython3", ":id: after-bomb", "", "x = 1", "```", ""]
    )


async def test_a_yaml_alias_bomb_is_skipped_with_the_reason_and_nothing_else(
    jp_root_dir: Path, blocks
):
    # 600 bytes that PyYAML's safe_load keeps as shared lists and nbformat would copy
    # out into 387 million values (a minute and gigabytes per level before the fix)
    (jp_root_dir / "bomb.md").write_text(alias_bomb(8))
    (jp_root_dir / "loop.md").write_text(
        "---\njupytext:\n  text_representation:\n    format_name: myst\nself: &s [*s]\n---\n\n"
        "```{code-cell} ipython3\n:id: loop-cell\n\nx = 1\n```\n"
    )
    # Aliases of a reasonable size are read, as jupytext reads them
    (jp_root_dir / "merge.md").write_text(
        "---\njupytext:\n  text_representation:\n    format_name: myst\n"
        "defaults: &d {a: 1, b: 2}\nmine:\n  <<: *d\n  c: 3\n---\n\n"
        "```{code-cell} ipython3\n:id: merged-cell\n\nx = 1\n```\n"
    )
    # A MyST cell's own options are YAML too
    (jp_root_dir / "cellbomb.md").write_text(
        alias_bomb(0).replace(
            ":id: after-bomb",
            ":id: cell-bomb\n:a: &a [1, 2, 3, 4, 5, 6, 7, 8, 9]\n"
            + "\n".join(
                f":{n}: &{n} [" + ", ".join([f"*{p}"] * 9) + "]"
                for p, n in zip("abcdefgh", "bcdefghi", strict=True)
            ),
        )
    )
    # YAML nested deeper than Python can follow
    (jp_root_dir / "deep.md").write_text(
        "---\njupytext:\n  text_representation:\n    format_name: myst\nx: "
        + "[" * 20000
        + "]" * 20000
        + "\n---\n\n```{code-cell} ipython3\n:id: deep-cell\n\nx = 1\n```\n"
    )
    started = time.monotonic()
    status = await blocks.ready()
    assert time.monotonic() - started < 30
    skipped = {s["path"]: s["reason"] for s in status["skipped"]}
    assert "aliases" in skipped["bomb.md"] and "100,000" in skipped["bomb.md"]
    assert "aliases" in skipped["cellbomb.md"]
    assert "contains itself" in skipped["loop.md"]
    assert "nested too deeply" in skipped["deep.md"]
    assert "merge.md" not in skipped
    found = await blocks.get("block", "merged-cell")
    assert found["path"] == "merge.md"


def test_a_text_notebook_too_long_for_jupytext_is_skipped_at_once(tmp_path: Path):
    from jupyter_blocks.notebooks.notebook import read_notebook
    from jupyter_blocks.notebooks.textnotebooks import MAX_TEXT_LINES, Skip

    path = tmp_path / "long.py"
    path.write_text("# %%\nx = 1\n" * (MAX_TEXT_LINES // 2 + 1))
    started = time.monotonic()
    with pytest.raises(Skip, match="lines"):
        read_notebook(str(path), 2**30)
    assert time.monotonic() - started < 5  # not parsed first


async def test_an_id_written_into_a_crlf_text_notebook_keeps_its_line_breaks(texts, blocks):
    # As a Windows editor, or git with core.autocrlf, leaves a file: every break CRLF
    for name in ("analysis.md", "sales.qmd"):
        path = texts / name
        path.write_bytes(path.read_bytes().replace(b"\n", b"\r\n"))
    await blocks.ready()
    before = (texts / "analysis.md").read_bytes()
    reply = await blocks.post("ensure-id", body={"path": "analysis.md", "index": 3})
    assert reply["written"] is True
    after = (texts / "analysis.md").read_bytes()
    assert after.count(b"\n") == after.count(b"\r\n")  # no LF alone
    assert diff(before.decode(), after.decode()) == [f"+ :id: {reply['id']}", "+ "]
    assert (await blocks.get("block", reply["id"]))["index"] == 3
    reply = await blocks.post("ensure-id", body={"path": "sales.qmd", "index": 2})
    after = (texts / "sales.qmd").read_bytes()
    assert after.count(b"\n") == after.count(b"\r\n")
    assert f'```{{python id="{reply["id"]}"}}\r\n'.encode() in after


async def test_nothing_is_written_into_a_text_notebook_with_a_byte_order_mark(texts, blocks):
    # jupytext reads the mark as text of the first cell: a change would land elsewhere
    path = texts / "marked.py"
    path.write_bytes(b"\xef\xbb\xbf# %%\nx = 1\n\n# %%\ny = 2\n")
    await blocks.ready()
    before = path.read_bytes()
    code, message = await blocks.error(
        "ensure-id", method="POST", body={"path": "marked.py", "index": 0}
    )
    assert code == 409 and "byte order mark" in message
    assert path.read_bytes() == before
