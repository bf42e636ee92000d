"""Export is a faithful copy: notebooks in their real on-disk shape (lists of lines),
embeds of tables, plots, markdown with attachments and pictures beside their notebook,
links into folders with spaces and '#', nested titles and cycles."""

from __future__ import annotations

import base64
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest
from browser import broken_images, chromium_page
from helpers import PDSH, needs_shared
from ondisk import PNG_B64, code, md, plot_output, png, table_output, write


def run(*args: str, home: Path, cwd: Path) -> subprocess.CompletedProcess[str]:
    """``jupyter blocks ARGS`` run in ``cwd`` (the root, as a user runs it)."""
    env = {
        **os.environ,
        "JUPYTER_DATA_DIR": str(home / "data"),
        "JUPYTER_CONFIG_DIR": str(home / "cfg"),
    }
    return subprocess.run(
        [sys.executable, "-m", "jupyter_blocks.cli", *args, f"--db={home / 'index.sqlite'}"],
        env=env,
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=300,
    )


@pytest.fixture
def library(tmp_path: Path) -> Path:
    """A root where reports/host.ipynb embeds blocks of data/source.ipynb."""
    root = tmp_path / "root"
    (root / "data" / "img").mkdir(parents=True)
    (root / "data" / "img" / "chart.png").write_bytes(png(6, 5, (20, 120, 200)))
    write(
        root / "data" / "source.ipynb",
        [
            md("intro", "# Sales by region\n\nTotals per region."),
            code("table", "summary = df.groupby('region').sum()\nsummary", [table_output()]),
            code("plot", "df.plot()", [plot_output()]),
            md(
                "sketch",
                "A sketch:\n\n![sketch](attachment:sketch.png)",
                attachments={"sketch.png": {"image/png": PNG_B64}},
            ),
            md("picture", "The chart beside this notebook:\n\n![chart](img/chart.png)"),
            md("quoting", "((intro)) is the table to quote"),
        ],
    )
    write(root / "team notes" / "q3 #1 review.ipynb", [md("churn-1", "## Churn drivers")])
    write(
        root / "reports" / "host.ipynb",
        [
            md("welcome", "# Report\n\nIt reads **well**: see ((quoting)) and ((churn-1))."),
            md("table-embed", "Table:\n\n{{embed ((table)) outputs}}"),
            md("plot-embed", "{{embed ((plot))}}"),
            md("sketch-embed", "{{embed ((sketch))}}"),
            md(
                "own-picture",
                "{{embed ((picture))}}\n\nMy own picture: ![mine](attachment:mine.png)",
                attachments={"mine.png": {"image/png": PNG_B64}},
            ),
            md("links", "Also [[team notes/q3 #1 review.ipynb]]."),
        ],
    )
    return root


def test_source_files_are_in_the_on_disk_shape(library: Path) -> None:
    raw = json.loads((library / "data" / "source.ipynb").read_text())
    assert isinstance(raw["cells"][1]["source"], list)
    assert isinstance(raw["cells"][1]["outputs"][0]["data"]["text/html"], list)


def test_html_export_shows_tables_pictures_and_titles(library: Path, tmp_path: Path) -> None:
    # Given a host notebook embedding a table, a plot, a markdown cell with an
    # attachment and one with a picture next to its notebook
    result = run(
        "export", str(library / "reports" / "host.ipynb"), "--to=html", home=tmp_path, cwd=library
    )
    # When exported to HTML / Then it is written, with no warning
    assert result.returncode == 0, result.stderr
    html = (library / "reports" / "host.html").read_text()
    # The table is a table, not a Python list of lines or commas
    assert '<table border="1" class="dataframe">' in html
    assert "['<div>" not in html and "&lt;table" not in html
    # The host's own markdown is rendered, not shown as tags
    assert "&lt;h1" not in html and "&lt;strong&gt;" not in html
    # A title with a nested reference shows the nested block's title
    assert "Sales by region is the table to quote</a>" in html
    # Links are encoded so that a space or '#' in a name keeps them links
    assert 'href="../team%20notes/q3%20%231%20review.ipynb#cell-id=churn-1"' in html
    assert 'href="../team%20notes/q3%20%231%20review.ipynb"' in html
    # And in a browser every picture shows, and no raw syntax or list is visible
    with chromium_page() as page:
        page.goto((library / "reports" / "host.html").as_uri())
        assert broken_images(page) == []
        assert page.locator("img").count() >= 4
        text = page.inner_text("body")
    for leftover in ("['", "{{embed", "((", "[[", "<h1", "<img"):
        assert leftover not in text


def test_markdown_export_writes_text_and_pictures(library: Path, tmp_path: Path) -> None:
    result = run(
        "export",
        str(library / "reports" / "host.ipynb"),
        "--to=markdown",
        home=tmp_path,
        cwd=library,
    )
    assert result.returncode == 0, result.stderr
    text = (library / "reports" / "host.md").read_text()
    assert "<table" in text and "['" not in text
    assert "[Sales by region is the table to quote](../data/source.ipynb#cell-id=quoting)" in text
    assert "(../team%20notes/q3%20%231%20review.ipynb#cell-id=churn-1)" in text
    # The picture beside the source notebook is linked from the host's folder
    assert "](../data/img/chart.png)" in text
    assert (library / "data" / "img" / "chart.png").is_file()
    # Pictures written by the exporter (plots, attachments) exist beside the file
    for target in re.findall(r"!\[[^\]]*\]\(([^)]+)\)", text):
        if not target.startswith(("data:", "http")):
            assert (library / "reports" / target).resolve().is_file(), target


def test_notebook_export_is_self_contained_and_keeps_attachments(library: Path, tmp_path: Path):
    out = tmp_path / "shared.ipynb"
    result = run(
        "export",
        str(library / "reports" / "host.ipynb"),
        "--to=notebook",
        f"--output={out}",
        home=tmp_path,
        cwd=library,
    )
    assert result.returncode == 0, result.stderr
    nb = nbformat.read(out, as_version=4)
    nbformat.validate(nb)
    sources = "\n".join(c.source for c in nb.cells)
    assert "{{embed" not in sources
    # Every attachment a cell shows is in that cell
    for cell in nb.cells:
        for name in re.findall(r"attachment:([\w.-]+)", cell.source):
            assert name in cell.get("attachments", {}), (name, cell.source)
    assert any(
        o.get("data", {}).get("image/png") == PNG_B64
        for c in nb.cells
        for o in c.get("outputs", [])
    )


def test_nbconvert_blocks_html_exports_the_same(library: Path, tmp_path: Path) -> None:
    env = {**os.environ, "JUPYTER_DATA_DIR": str(tmp_path / "data")}
    result = subprocess.run(
        [sys.executable, "-m", "jupyter", "nbconvert", "--to", "blocks_html", "reports/host.ipynb"],
        cwd=library,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr
    html = (library / "reports" / "host.html").read_text()
    assert '<table border="1" class="dataframe">' in html
    assert 'href="../data/source.ipynb#cell-id=quoting"' in html
    with chromium_page() as page:
        page.goto((library / "reports" / "host.html").as_uri())
        assert broken_images(page) == []


def test_embed_cycles_show_a_marker_where_the_loop_closes(tmp_path: Path) -> None:
    root = tmp_path / "root"
    write(
        root / "a.ipynb",
        [md("a", "Text of A\n\n{{embed ((b))}}"), md("self", "Self text {{embed ((self))}}")],
    )
    write(root / "b.ipynb", [md("b", "Text of B\n\n{{embed ((a))}}")])
    out = tmp_path / "a.md"
    result = run(
        "export", str(root / "a.ipynb"), "--to=markdown", f"--output={out}", home=tmp_path, cwd=root
    )
    assert result.returncode == 0, result.stderr
    text = out.read_text()
    # A's text shows once (its own cell), B's once, then the cycle marker
    assert text.count("Text of A") == 1
    assert text.count("Text of B") == 1
    assert text.count("Self text") == 1
    assert "**cycle:** `a` → `b` → `a`" in text
    assert "**cycle:** `self` → `self`" in text


def test_export_of_a_notebook_holding_lists_everywhere_matches_nbconvert(tmp_path: Path) -> None:
    # Given a notebook with no references, in the on-disk shape
    root = tmp_path / "root"
    write(root / "plain.ipynb", [md("m", "# Title\n\n- a\n- b"), code("c", "x", [table_output()])])
    ours = run(
        "export",
        str(root / "plain.ipynb"),
        "--to=html",
        f"--output={tmp_path / 'ours.html'}",
        home=tmp_path,
        cwd=root,
    )
    assert ours.returncode == 0, ours.stderr
    subprocess.run(
        [
            sys.executable,
            "-m",
            "jupyter",
            "nbconvert",
            "--to",
            "html",
            "--output-dir",
            str(tmp_path),
            "--output",
            "plain",
            str(root / "plain.ipynb"),
        ],
        check=True,
        capture_output=True,
    )
    assert visible_text(tmp_path / "ours.html") == visible_text(tmp_path / "plain.html")


def visible_text(path: Path) -> str:
    """The words of an HTML page as a reader sees them (tags, styles and scripts out)."""
    html = path.read_text()
    html = re.sub(r"<(script|style)\b.*?</\1>", " ", html, flags=re.S | re.I)
    html = re.sub(r"<[^>]+>", " ", html)
    return " ".join(html.split())


def test_attachment_bytes_round_trip(library: Path) -> None:
    assert base64.b64decode(PNG_B64).startswith(b"\x89PNG")


@needs_shared
def test_every_corpus_notebook_exports_as_plain_nbconvert_shows_it(tmp_path: Path) -> None:
    # Given the real notebooks of the corpus (no references in them)
    from nbconvert import HTMLExporter

    from jupyter_blocks.export.notebook import export
    from jupyter_blocks.store import SQLiteStore

    root = tmp_path / "pdsh"
    root.mkdir()
    for nb in sorted(PDSH.glob("*.ipynb")):
        (root / nb.name).write_bytes(nb.read_bytes())
    store = SQLiteStore(str(tmp_path / "index.sqlite"), str(root))
    store.open()
    try:
        differ = []
        for path in sorted(root.glob("*.ipynb")):
            # When exported by jupyter-blocks and by plain nbconvert
            ours = export(str(path), str(root), store, "html", str(tmp_path / "ours.html"))
            try:
                plain, _ = HTMLExporter().from_filename(str(path))
            except KeyError:
                continue  # nbconvert itself fails (old widget state): ours did not
            (tmp_path / "plain.html").write_text(plain)
            # Then a reader sees the same text
            if visible_text(Path(ours.written)) != visible_text(tmp_path / "plain.html"):
                differ.append(path.name)
    finally:
        store.close()
    assert differ == []
