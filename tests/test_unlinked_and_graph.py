"""Unlinked references and the graph of notebooks over real HTTP (issue 20): mentions in
prose found exactly (never in code, links or references, never from hidden files), the
Link action on a closed notebook, and the graph of a generated corpus edge for edge."""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

import nbformat
import pytest
from helpers import generate
from ondisk import code, md, write

from jupyter_blocks.index.connections import source_digest

pytestmark = pytest.mark.both_stores


@pytest.fixture
def jp_server_config(jp_server_config: dict) -> dict:
    # Exact answers: a budget no loaded test machine can run out of (the bound itself
    # is measured in bench/, not here).
    jp_server_config["BlocksExtension"]["search_budget_ms"] = 5000
    return jp_server_config


TITLE = "Data Cleaning Recipes"


@pytest.fixture
def mentions_root(jp_root_dir: Path) -> Path:
    write(
        jp_root_dir / "topics" / "data-cleaning.ipynb",
        [
            md("dc-title", f"# {TITLE}\n\nHow we clean."),
            md("dc-self", f"This page is {TITLE} itself."),  # its own cells never count
            code("dc-code", "#| label: fig-sales\nplot()"),
        ],
    )
    write(
        jp_root_dir / "notes.ipynb",
        [
            md("n-prose", f"Read {TITLE.lower()} first,\nthen the data-cleaning notes."),
            md("n-span", f"Not `{TITLE}` in a code span."),
            md("n-fence", f"```\n{TITLE}\n```"),
            md("n-link", f"A [{TITLE}](topics/data-cleaning.ipynb) link already."),
            md("n-ref", "Linked: [[topics/data-cleaning.ipynb]] and ((fig-sales))."),
            md("n-label", "The fig-sales chart, and fig-salesman is another word."),
            md("n-heading", f"## About {TITLE}"),
            md("n-html", f"<b>{TITLE}</b>"),
            code("n-code", f"# {TITLE}\nprint('{TITLE}')"),
        ],
    )
    write(jp_root_dir / ".hidden" / "secret.ipynb", [md("h-1", f"Secret {TITLE}.")])
    return jp_root_dir


def found(reply: dict[str, Any]) -> list[tuple[str, int, str, str]]:
    return [(u["path"], u["index"], u["match"], u["name"]) for u in reply["unlinked"]]


async def test_unlinked_references_of_a_notebook_are_prose_mentions_only(mentions_root, blocks):
    # Given a notebook titled TITLE, and cells elsewhere that name it in every way
    await blocks.ready()
    # When the unlinked references of the notebook are asked for
    reply = await blocks.get("unlinked", path="topics/data-cleaning.ipynb")
    # Then only the mentions in prose count: by title (any case, across a line break of
    # white space) and by file name; not in code, links, references, HTML or code cells,
    # not from the notebook itself nor from a hidden file
    assert reply["path"] == "topics/data-cleaning.ipynb"
    assert reply["complete"] is True
    assert found(reply) == [
        ("notes.ipynb", 0, TITLE.lower(), TITLE),
        ("notes.ipynb", 0, "data-cleaning", "data-cleaning"),
        ("notes.ipynb", 6, TITLE, TITLE),
    ]
    first = reply["unlinked"][0]
    assert first["id"] == "n-prose"
    assert first["link"] == "[[topics/data-cleaning.ipynb]]"
    assert TITLE.lower() in first["snippet"]
    source = f"Read {TITLE.lower()} first,\nthen the data-cleaning notes."
    assert source[first["start"] : first["end"]] == first["match"]


async def test_unlinked_references_of_a_block_are_mentions_of_its_label(mentions_root, blocks):
    await blocks.ready()
    # By its label or by its id, the block's label is what is looked for
    for target in ("fig-sales", "dc-code"):
        reply = await blocks.get("unlinked", id=target)
        assert reply["id"] == target
        # The word in prose counts; ((fig-sales)) and the longer word fig-salesman do not
        assert found(reply) == [("notes.ipynb", 5, "fig-sales", "fig-sales")]
        assert reply["unlinked"][0]["link"] == "((fig-sales))"
    # A block without a label has no unlinked references
    assert (await blocks.get("unlinked", id="n-prose"))["unlinked"] == []


async def test_unlinked_asks_for_a_notebook_or_a_block(mentions_root, blocks):
    await blocks.ready()
    assert (await blocks.error("unlinked"))[0] == 400
    assert (await blocks.error("unlinked", path="notes.ipynb", id="n-prose"))[0] == 400
    assert (await blocks.error("unlinked", id="not an id!"))[0] == 400
    assert (await blocks.error("unlinked", path="nowhere.ipynb"))[0] == 404
    assert (await blocks.error("unlinked", path=".hidden/secret.ipynb"))[0] == 404
    assert (await blocks.error("unlinked", id="no-such-block"))[0] == 404


async def test_the_link_action_writes_the_link_into_a_closed_notebook(mentions_root, blocks):
    # Given an unlinked reference in a notebook that is not open
    await blocks.ready()
    assert [e["weight"] for e in (await blocks.get("graph"))["edges"]] == [2]
    entry = (await blocks.get("unlinked", path="topics/data-cleaning.ipynb"))["unlinked"][0]
    body = {k: entry[k] for k in ("path", "index", "id", "digest", "start", "end", "match")}
    # When the Link action sends it back
    reply = await blocks.post("link-mention", body={**body, "link": entry["link"]})
    # Then the mention is a link in the file, written as nbformat writes (lines)
    expected = "Read [[topics/data-cleaning.ipynb]] first,\nthen the data-cleaning notes."
    assert reply["source"] == expected
    on_disk = json.loads((mentions_root / "notes.ipynb").read_text())
    assert on_disk["cells"][0]["source"] == expected.splitlines(keepends=True)
    assert nbformat.read(mentions_root / "notes.ipynb", as_version=4).cells[1].source == (
        f"Not `{TITLE}` in a code span."
    )

    # and it shows as a backlink, no longer as an unlinked reference
    async def linked() -> bool:
        links = (await blocks.get("notebook-backlinks", path="topics/data-cleaning.ipynb"))[
            "backlinks"
        ]
        return any(b["id"] == "n-prose" for b in links)

    await blocks.until(linked)
    # and the graph follows: one more link from notes to the notebook
    assert [e["weight"] for e in (await blocks.get("graph"))["edges"]] == [3]
    again = await blocks.get("unlinked", path="topics/data-cleaning.ipynb")
    assert ("notes.ipynb", 0, TITLE.lower(), TITLE) not in found(again)
    # The same entry again: the cell changed since it was read, nothing is written
    before = (mentions_root / "notes.ipynb").read_bytes()
    code_, message = await blocks.error(
        "link-mention", method="POST", body={**body, "link": entry["link"]}
    )
    assert code_ == 409 and "changed" in message
    assert (mentions_root / "notes.ipynb").read_bytes() == before


async def test_the_link_action_refuses_what_would_not_be_a_link(mentions_root, blocks):
    await blocks.ready()
    text = (await blocks.get("block", "n-span"))["source"]
    start = text.index(TITLE)
    body = {
        "path": "notes.ipynb",
        "index": 1,
        "digest": source_digest(text),
        "start": start,
        "end": start + len(TITLE),
        "match": TITLE,
    }
    before = (mentions_root / "notes.ipynb").read_bytes()
    # Inside a code span a link would not count, and only a link may be written
    for link in ("[[x.ipynb]]", "rm -rf"):
        code_, _ = await blocks.error("link-mention", method="POST", body={**body, "link": link})
        assert code_ == 400
    assert (await blocks.error("link-mention", method="POST", body={"path": 3}))[0] == 400
    assert (mentions_root / "notes.ipynb").read_bytes() == before


# -- the graph ---------------------------------------------------------------------------


@pytest.fixture
def generated_root(jp_root_dir: Path) -> Path:
    generate(jp_root_dir / "corpus", 120, seed=11)
    write(jp_root_dir / "corpus" / ".hidden" / "h.ipynb", [md("hh", "[[corpus/index.ipynb]]")])
    return jp_root_dir


def truth_edges(root: Path) -> tuple[dict[tuple[str, str], tuple[int, list[str]]], dict[str, int]]:
    """The edges between notebooks that the corpus's ground truth says it holds, and
    every notebook's number of cells."""
    truth = json.loads((root / "corpus" / "ground_truth.json").read_text())
    home: dict[str, str] = {}
    cells: dict[str, int] = {}
    for path in (root / "corpus").rglob("*.ipynb"):
        if ".hidden" in path.parts:
            continue
        rel = path.relative_to(root).as_posix()
        nb = json.loads(path.read_text())
        cells[rel] = len(nb["cells"])
        for cell in nb["cells"]:
            if "id" in cell:
                home[cell["id"]] = rel
    weights: Counter[tuple[str, str]] = Counter()
    kinds: dict[tuple[str, str], set[str]] = defaultdict(set)
    for target, sources in truth["backlinks"].items():
        for source in sources:
            key = ("corpus/" + source["path"], home[target])
            if key[0] != key[1]:
                weights[key] += 1
                kinds[key].add(source["kind"])
    return {k: (w, sorted(kinds[k])) for k, w in weights.items()}, cells


async def test_the_graph_of_a_generated_corpus_is_exact(generated_root, blocks):
    # Given a generated corpus with known references (and a hidden notebook linking one)
    want, cells = truth_edges(generated_root)
    await blocks.ready(timeout=120)
    # When the whole graph is asked for
    graph = await blocks.get("graph")
    # Then every notebook the server serves is a node with its cells and backlinks
    nodes = {n["id"]: n for n in graph["nodes"]}
    assert {p: n["blocks"] for p, n in nodes.items()} == cells
    incoming: Counter[str] = Counter()
    for (_, target), (weight, _) in want.items():
        incoming[target] += weight
    assert {p: n["backlinks"] for p, n in nodes.items()} == {p: incoming[p] for p in cells}
    # and every edge is one the corpus holds, weighted by its references
    got = {(e["source"], e["target"]): (e["weight"], e["kinds"]) for e in graph["edges"]}
    assert got == want


async def test_the_local_graph_holds_the_notebooks_near_one(generated_root, blocks):
    want, _ = truth_edges(generated_root)
    await blocks.ready(timeout=120)
    centre = max(want, key=lambda k: want[k][0])[1]
    near: dict[str, set[str]] = defaultdict(set)
    for source, target in want:
        near[source].add(target)
        near[target].add(source)
    one = {centre} | near[centre]
    two = one | {n for p in one for n in near[p]}
    for depth, expected in ((1, one), (2, two)):
        graph = await blocks.get("graph", path=centre, depth=str(depth))
        assert {n["id"] for n in graph["nodes"]} == expected
        assert {(e["source"], e["target"]) for e in graph["edges"]} == {
            k for k in want if k[0] in expected and k[1] in expected
        }
    assert (await blocks.error("graph", path=centre, depth="3"))[0] == 400
    assert (await blocks.error("graph", path="corpus/.hidden/h.ipynb"))[0] == 404


async def test_graph_edges_of_notebook_links_resolve_like_links(mentions_root, blocks):
    # [[path]] links count as edges of kind "notebook"; a reference by label too
    await blocks.ready()
    graph = await blocks.get("graph")
    assert {n["id"] for n in graph["nodes"]} == {"notes.ipynb", "topics/data-cleaning.ipynb"}
    assert graph["edges"] == [
        {
            "source": "notes.ipynb",
            "target": "topics/data-cleaning.ipynb",
            "weight": 2,
            "kinds": ["notebook", "ref"],
        }
    ]


async def test_a_cell_too_costly_to_parse_whole_still_shows_its_mentions(jp_root_dir, blocks):
    # A pasted document: a markdown cell past what is parsed whole (refs.MAX_PARSE_COST)
    from jupyter_blocks.links.refs import MAX_PARSE_COST, parse_cost

    write(jp_root_dir / "topics" / "data-cleaning.ipynb", [md("dc-title", f"# {TITLE}")])
    filler = "Prose with *emphasis*, `code` and a [link](https://example.org). " * 4 + "\n\n"
    fenced = f"```text\n{TITLE} in a fence\n\nwith a blank line\n```\n\n"
    source = filler * 1500 + fenced + f"In the end, {TITLE} in prose.\n\n" + filler * 10
    assert parse_cost(source) > MAX_PARSE_COST
    write(jp_root_dir / "pasted.ipynb", [md("pasted-doc", source)])
    await blocks.ready()
    reply = await blocks.get("unlinked", path="topics/data-cleaning.ipynb")
    # The mention in prose is found at its place; the one in fenced code is not
    assert found(reply) == [("pasted.ipynb", 0, TITLE, TITLE)]
    mention = reply["unlinked"][0]
    assert source[mention["start"] : mention["end"]] == TITLE
    assert source[mention["start"] - 12 : mention["start"]] == "In the end, "
