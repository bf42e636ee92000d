"""The block index over real HTTP: every cell a block, search, exact backlinks."""

from __future__ import annotations

import json
from pathlib import Path

import nbformat
import pytest
from helpers import DEMO, FIXTURES, copy_demo, copy_fixtures, copy_pdsh, generate
from tornado.httpclient import HTTPClientError

# Every test here runs on the SQLite store and on the PostgreSQL store.
pytestmark = pytest.mark.both_stores


@pytest.fixture
def demo_root(jp_root_dir: Path) -> Path:
    copy_demo(jp_root_dir)
    return jp_root_dir


@pytest.fixture
def pdsh_root(jp_root_dir: Path) -> Path:
    copy_demo(jp_root_dir)
    copy_pdsh(jp_root_dir / "pdsh")
    return jp_root_dir


@pytest.fixture
def fixtures_root(jp_root_dir: Path) -> Path:
    copy_demo(jp_root_dir)
    copy_fixtures(jp_root_dir / "fixtures")
    return jp_root_dir


def cells_under(root: Path) -> int:
    """Cells as nbformat reads them (an nbformat 3 notebook's worksheets flattened)."""
    return sum(len(nbformat.read(p, as_version=4).cells) for p in root.rglob("*.ipynb"))


async def test_every_cell_of_every_notebook_is_a_block(fixtures_root, blocks):
    # Given the demo and notebooks of nbformat 3, 4.0, 4.1, 4.4 and 4.5 under the root
    # When the first scan is over
    status = await blocks.ready()
    # Then every notebook and every cell is indexed, and nothing was skipped
    notebooks = len(list(DEMO.rglob("*.ipynb"))) + len(list(FIXTURES.rglob("*.ipynb")))
    assert status["notebooks"] == len(list(fixtures_root.rglob("*.ipynb"))) == notebooks
    assert status["blocks"] == cells_under(fixtures_root)
    assert status["skipped"] == []
    assert status["version"]


async def test_every_cell_of_every_pdsh_notebook_is_a_block(pdsh_root, blocks):
    # Given the 67 real notebooks and the demo under the root
    status = await blocks.ready()
    demo = len(list(DEMO.rglob("*.ipynb")))
    assert status["notebooks"] == len(list(pdsh_root.rglob("*.ipynb"))) == 67 + demo
    assert status["blocks"] == cells_under(pdsh_root)
    assert status["skipped"] == []


async def test_an_id_less_cell_is_addressed_by_position(fixtures_root, blocks):
    await blocks.ready()
    # Cells of nbformat 4.4 and older have no id: search still finds them, by position
    found = await blocks.get("search", q="transit planets discovered")
    hit = next(r for r in found["results"] if r["path"] == "fixtures/archive/survey-4.4.ipynb")
    assert (hit["id"], hit["index"], hit["cell_type"]) == (None, 1, "markdown")
    # An nbformat 3 notebook's cells are numbered across its worksheets, once converted
    found = await blocks.get("search", q="masses")
    hits = [r for r in found["results"] if r["path"] == "fixtures/archive/survey-v3.ipynb"]
    assert (None, 2, "code") in [(h["id"], h["index"], h["cell_type"]) for h in hits]


async def test_search_finds_a_phrase(fixtures_root, blocks):
    await blocks.ready()
    reply = await blocks.get("search", q="drawn at the eyepiece")
    assert reply["results"], reply
    top = reply["results"][0]
    assert (top["id"], top["path"]) == ("survey-sketch", "fixtures/survey.ipynb")
    assert "Drawn at the eyepiece" in top["snippet"]


async def test_search_is_prefix_aware_and_bounded(fixtures_root, blocks):
    await blocks.ready()
    # A word still being typed matches as a prefix
    reply = await blocks.get("search", q="telesc")
    assert any("telescope" in r["snippet"] for r in reply["results"])
    # One letter, and a very common word, answer with at most `limit` results
    for q in ("a", "the", "import"):
        reply = await blocks.get("search", q=q, limit="2")
        assert 0 < len(reply["results"]) <= 2
    # FTS syntax is only text
    for q in ('"', "NEAR(a b)", "source:x OR", "*", "a AND NOT"):
        reply = await blocks.get("search", q=q)
        assert isinstance(reply["results"], list)


async def test_references_from_old_notebooks_are_backlinks_by_position(fixtures_root, blocks):
    await blocks.ready()
    # Given references written in cells with no id (nbformat 4.4, 4.1, 4.0 and 3)
    # Then they are backlinks of their targets, addressed by notebook and position
    links = (await blocks.get("backlinks", "survey-table"))["backlinks"]
    assert {(b["id"], b["path"], b["index"], b["kind"]) for b in links} == {
        ("notes-refs", "fixtures/notes.ipynb", 1, "ref"),
        (None, "fixtures/archive/survey-4.4.ipynb", 5, "ref"),
        (None, "fixtures/archive/survey-4.0.ipynb", 0, "ref"),
    }
    links = (await blocks.get("backlinks", "survey-chart"))["backlinks"]
    assert {(b["id"], b["path"], b["index"], b["kind"]) for b in links} == {
        ("notes-refs", "fixtures/notes.ipynb", 1, "ref"),
        ("notes-embeds", "fixtures/notes.ipynb", 2, "embed"),
        (None, "fixtures/archive/survey-4.4.ipynb", 5, "embed"),
        (None, "fixtures/archive/survey-v3.ipynb", 1, "ref"),
    }
    assert await blocks.backlink_set("survey-sketch") == {
        ("notes-refs", "fixtures/notes.ipynb", "ref"),
        ("notes-embeds", "fixtures/notes.ipynb", "embed"),
        (None, "fixtures/archive/survey-4.1.ipynb", "ref"),
    }
    # And a bare [[name]] link from an nbformat 3 notebook links the notebook
    reply = await blocks.get("notebook-backlinks", path="fixtures/survey.ipynb")
    kinds = {(b["id"], b["path"], b["kind"]) for b in reply["backlinks"]}
    assert (None, "fixtures/archive/survey-v3.ipynb", "notebook") in kinds
    assert ("notes-home", "fixtures/notes.ipynb", "notebook") in kinds


async def test_block_serves_source_outputs_and_trust(demo_root, blocks):
    await blocks.ready()
    block = await blocks.get("block", "sales-plot")
    assert block["path"] == "data/sales.ipynb"
    assert block["cell_type"] == "code"
    assert block["deleted"] is False
    assert any("image/png" in o.get("data", {}) for o in block["outputs"])
    # The demo notebooks carry no signature: untrusted, whatever the file says
    assert block["trusted"] is False
    code, message = await blocks.error("block", "no-such-block")
    assert code == 404 and "no-such-block" in message
    code, message = await blocks.error("block", "not%20an%20id")
    assert code == 400


async def test_resolve_answers_many_ids_in_one_request(demo_root, blocks):
    await blocks.ready()
    reply = await blocks.post("resolve", body={"ids": ["sales-plot", "season-plot", "nope"]})
    assert set(reply["blocks"]) == {"sales-plot", "season-plot", "nope"}
    assert reply["blocks"]["nope"] is None
    assert reply["blocks"]["season-plot"]["path"] == "analysis/seasonality.ipynb"
    code, _ = await blocks.error("resolve", method="POST", body={"ids": ["x"] * 501})
    assert code == 400
    code, _ = await blocks.error("resolve", method="POST", body={"ids": "sales-plot"})
    assert code == 400


async def test_backlinks_are_exact_and_ignore_code(demo_root, blocks):
    await blocks.ready()
    # sales-plot is referenced from report and notes; the decoys in report-decoy
    # (inline code and a fenced block) must not count
    assert await blocks.backlink_set("sales-plot") == {
        ("report-welcome", "report.ipynb", "ref"),
        ("report-trend", "report.ipynb", "embed"),
        ("notes-key-blocks", "notes/index.ipynb", "ref"),
    }
    assert await blocks.backlink_set("sales-load") == {
        ("season-intro", "analysis/seasonality.ipynb", "ref"),
        ("report-summary", "report.ipynb", "ref"),
    }
    reply = await blocks.get("backlinks", "sales-plot")
    assert all(b["snippet"] for b in reply["backlinks"])


async def test_notebook_backlinks(demo_root, blocks):
    await blocks.ready()
    reply = await blocks.get("notebook-backlinks", path="data/sales.ipynb")
    got = {(b["id"], b["kind"]) for b in reply["backlinks"]}
    # references to its blocks, and [[data/sales.ipynb]] links
    assert ("report-trend", "embed") in got
    assert ("notes-key-blocks", "ref") in got
    assert ("season-intro", "notebook") in got
    assert ("notes-home", "notebook") in got
    # the fenced [[data/sales.ipynb]] in report-decoy does not count
    assert ("report-decoy", "notebook") not in got
    # a bare [[seasonality.ipynb]] resolves when only one notebook has that name
    reply = await blocks.get("notebook-backlinks", path="analysis/seasonality.ipynb")
    assert ("notes-open-questions", "notebook") in {
        (b["id"], b["kind"]) for b in reply["backlinks"]
    }
    code, message = await blocks.error("notebook-backlinks", path="nowhere.ipynb")
    assert code == 404 and "nowhere.ipynb" in message


@pytest.fixture
def generated_root(jp_root_dir: Path) -> Path:
    generate(jp_root_dir / "corpus", 200, seed=7)
    return jp_root_dir


async def test_generated_corpus_backlinks_match_ground_truth(generated_root, blocks):
    truth = json.loads((generated_root / "corpus" / "ground_truth.json").read_text())
    status = await blocks.ready(timeout=120)
    assert status["notebooks"] == truth["notebooks"]
    assert status["blocks"] == truth["cells"]
    for target, expected in truth["backlinks"].items():
        served = (await blocks.get("backlinks", target))["backlinks"]
        got = sorted(((b["id"], b["path"], b["kind"]) for b in served), key=repr)
        want = sorted(((e["id"], "corpus/" + e["path"], e["kind"]) for e in expected), key=repr)
        assert got == want, target
    for decoy in truth["decoys"]:
        if decoy in truth["backlinks"]:
            continue
        assert (await blocks.get("backlinks", decoy))["backlinks"] == [], decoy


async def test_backlink_counts_for_a_whole_notebook(demo_root, blocks):
    await blocks.ready()
    reply = await blocks.get("backlink-counts", path="data/sales.ipynb")
    # sales-plot: report-welcome, report-trend, notes-key-blocks; decoys do not count
    assert reply["counts"]["sales-plot"] == 3
    assert reply["counts"]["sales-load"] == 2
    assert "sales-intro" in reply["counts"] and "sales-next" not in reply["counts"]
    code, _ = await blocks.error("backlink-counts", path="nowhere.ipynb")
    assert code == 404


async def test_a_notebook_link_resolves_a_bare_name_when_unique(demo_root, blocks):
    await blocks.ready()
    reply = await blocks.get("notebook-link", target="seasonality.ipynb")
    assert reply["path"] == "analysis/seasonality.ipynb"
    assert (await blocks.get("notebook-link", target="./data/sales.ipynb"))["path"] == (
        "data/sales.ipynb"
    )
    code, message = await blocks.error("notebook-link", target="missing.ipynb")
    assert code == 404 and "no such notebook" in message
    (demo_root / "notes" / "seasonality.ipynb").write_text(
        (demo_root / "analysis" / "seasonality.ipynb").read_text().replace("season-", "copy-")
    )

    async def ambiguous():
        try:
            await blocks.get("notebook-link", target="seasonality.ipynb")
        except HTTPClientError as error:
            return error.code == 404 and b"ambiguous" in error.response.body
        return False

    assert await blocks.until(ambiguous)


async def test_short_last_words_match_as_words_and_any_script_is_searchable(jp_root_dir, blocks):
    nb = nbformat.v4.new_notebook()
    nb.cells = [
        nbformat.v4.new_code_cell("df = load_prices()", id="frame"),
        nbformat.v4.new_code_cell("dfx = 1", id="other"),
        nbformat.v4.new_markdown_cell("Crème brûlée, a résumé\u19b0note", id="dessert"),
        nbformat.v4.new_markdown_cell("日本語のノート", id="japanese"),
    ]
    nbformat.write(nb, jp_root_dir / "short.ipynb")
    await blocks.ready()

    async def found(q: str) -> set[str]:
        return {hit["id"] for hit in (await blocks.get("search", q=q))["results"]}

    # One or two letters match a whole word (as a prefix they would match everything)
    assert await found("df") == {"frame"}
    assert await found("dfx") == {"other"}
    # From three letters on, the last word is a prefix
    assert await found("loa") == {"frame"}
    assert await found("pric") == {"frame"}
    # Accents and case fold; a letter SQLite's tokenizer splits on is split the same way
    assert await found("creme BRU") == {"dessert"}
    assert await found("résumé\u19b0not") == {"dessert"}
    # A run of Japanese is one word to the tokenizer: its beginning is a prefix
    assert await found("日本") == {"japanese"}
