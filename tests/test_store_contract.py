"""The store contract (``jupyter_blocks.store.base.BlockStore``), one suite run on both
stores: SQLite, and PostgreSQL (a real one, see conftest), so that neither drifts.
Notebooks are written in their on-disk shape and read by the indexer's own reader."""

from __future__ import annotations

import os
import unicodedata
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from ondisk import code, md, write

from jupyter_blocks.notebooks.notebook import read_notebook_file
from jupyter_blocks.store import BlockStore, FileState, NotebookRow, SQLiteStore


@pytest.fixture(params=["sqlite", "postgres"])
def kind(request: pytest.FixtureRequest) -> str:
    return str(request.param)


def make_store(kind: str, request: pytest.FixtureRequest, root: Path, index: Path) -> BlockStore:
    if kind == "sqlite":
        return SQLiteStore(str(index), str(root))
    from jupyter_blocks.store import PostgresStore

    url = request.getfixturevalue("database_url")
    space = request.getfixturevalue("new_space")()
    return PostgresStore(url, str(root), space=space)


@pytest.fixture
def root(tmp_path: Path) -> Path:
    folder = tmp_path / "root"
    folder.mkdir()
    return folder


@pytest.fixture
def store(kind: str, request: pytest.FixtureRequest, root: Path, tmp_path: Path) -> Iterator[Any]:
    store = make_store(kind, request, root, tmp_path / "index.db")
    store.open()
    try:
        yield store
    finally:
        store.close()


def row(root: Path, path: str, cells: list[Any], scan: int = 0) -> NotebookRow:
    """A notebook written at ``root/path`` and read as the indexer reads it."""
    full = write(root / path, cells)
    stat = full.stat()
    nb = read_notebook_file(str(full), path, FileState(stat.st_mtime_ns, stat.st_size), 10**8)
    nb.scan = scan
    return nb


def put(store: BlockStore, root: Path, path: str, cells: list[Any], scan: int = 0) -> list[str]:
    return store.put_notebooks([row(root, path, cells, scan)])


def test_blocks_resolve_by_id_then_label_and_leave_tombstones(store, root):
    put(
        store,
        root,
        "a.ipynb",
        [
            md("intro", "(start-here)=\n# Intro"),
            code("plot", "#| label: fig-sales\n# Sales\nplot()"),
            code("other", "#| label: fig-sales\n1"),
            code("clash", "#| label: intro\n2"),
        ],
    )
    found = store.get_blocks(["intro", "start-here", "fig-sales", "nothing"])
    assert set(found) == {"intro", "start-here", "fig-sales"}
    assert (found["start-here"].id, found["start-here"].label) == ("intro", "start-here")
    assert found["fig-sales"].id == "plot"  # the first holder of a label
    assert found["intro"].label == "start-here"  # an id wins over a label
    assert (found["intro"].path, found["intro"].index, found["intro"].cell_type) == (
        "a.ipynb",
        0,
        "markdown",
    )
    clashes = {(c.label, c.id, c.clash) for c in store.label_clashes(10)}
    assert clashes == {
        ("fig-sales", "plot", "label"),
        ("fig-sales", "other", "label"),
        ("intro", "clash", "id"),
    }
    # An edit of one cell changes that cell; a removed cell leaves its tombstone
    changed = put(store, root, "a.ipynb", [md("intro", "(start-here)=\n# Intro, again")])
    assert set(changed) == {"intro", "plot", "other", "clash"}
    gone = store.get_blocks(["plot", "fig-sales"])
    assert gone["plot"].deleted and gone["fig-sales"].deleted
    assert gone["fig-sales"].id in ("plot", "other")
    assert store.get_blocks(["intro"])["intro"].source == "(start-here)=\n# Intro, again"
    # A block coming back is live again
    put(store, root, "a.ipynb", [md("intro", "# Intro"), code("plot", "plot()")])
    assert not store.get_blocks(["plot"])["plot"].deleted
    assert store.counts().blocks == 2


def test_backlinks_by_id_label_and_notebook_link(store, root):
    put(store, root, "target.ipynb", [md("t1", "(the-label)=\n# Target"), md("t2", "plain")])
    put(
        store,
        root,
        "source.ipynb",
        [
            md("s1", "See ((t1)) and ((the-label))."),
            md("s2", "{{embed ((the-label))}}"),
            md("s3", "Read [[target.ipynb]]."),
            md("s4", '{{embed ((t2)) outputs with {"title": "Q3"}}}'),
            md("s5", "((missing-one))"),
        ],
    )
    assert {(b.id, b.kind) for b in store.backlinks("t1")} == {
        ("s1", "ref"),
        ("s2", "embed"),
    }
    assert store.backlink_counts("target.ipynb") == {"t1": 2, "t2": 1}
    assert set(store.notebook_targets("target.ipynb")) == {"t1", "t2", "the-label"}
    found = store.notebook_backlinks("target.ipynb", ["target.ipynb"])
    assert {(b.id, b.kind) for b in found} == {
        ("s1", "ref"),
        ("s2", "embed"),
        ("s3", "notebook"),
        ("s4", "embed"),
    }
    assert [(b.id, target) for b, target in store.notebook_links()] == [("s3", "target.ipynb")]
    # Links as written: to targets, or to targets under a folder (a rename follows them)
    assert [(b.id, b.kind) for b in store.links_to(["the-label"], ("ref", "embed"))] == [
        ("s1", "ref"),
        ("s2", "embed"),
    ]
    assert [b.id for b in store.links_to([], ("notebook",), "targ")] == ["s3"]
    assert store.links_to([], ("notebook",), "other/") == []
    assert [(b.id, target, tomb) for b, target, tomb in store.unresolved_links()] == [
        ("s5", "missing-one", False)
    ]
    assert {edge for edge in store.embed_edges()} == {("s2", "t1"), ("s4", "t2")}
    [(patched, target, facet)] = store.patched_embeds()
    assert (patched.id, target) == ("s4", "t2") and "with" in facet
    # A deleted target: its references are unresolved, with a tombstone
    put(store, root, "target.ipynb", [md("t2", "plain")])
    assert {(b.id, target, tomb) for b, target, tomb in store.unresolved_links()} >= {
        ("s1", "t1", True),
        ("s1", "the-label", True),
    }


def test_backlinks_with_blocks_are_the_backlinks_and_the_blocks_they_show(store, root):
    """What the backlinks panel reads at once equals the reads it stands for: the
    backlinks, and the blocks of the target and of every id or label their text
    references (ranked as ``get_blocks`` ranks them: an id, a label, a tombstone)."""
    put(store, root, "target.ipynb", [md("t1", "(the-label)=\n# Target"), md("t2", "Two")])
    put(store, root, "gone.ipynb", [md("g1", "(gone-label)=\n# Gone soon")])
    put(
        store,
        root,
        "source.ipynb",
        [
            md("s1", "See ((t1)), ((t2)) and ((gone-label)) and [[target.ipynb]]."),
            md("s2", "{{embed ((the-label))}} and ((g1)) and ((nothing-here))"),
            md("s3", "Only ((t2))"),
        ],
    )
    put(store, root, "gone.ipynb", [md("other", "# Not it")])  # g1 is a tombstone now
    for target in ("t1", "t2", "the-label", "g1", "nothing-here"):
        links, blocks = store.backlinks_with_blocks(target)
        assert links == store.backlinks(target)
        wanted = {"t1", "t2", "the-label", "gone-label", "g1", "nothing-here", target}
        shown = {t for t in wanted if any(t in link.source for link in links) or t == target}
        assert blocks == store.get_blocks(sorted(shown))
    links, blocks = store.backlinks_with_blocks("t1")
    assert [b.id for b in links] == ["s1", "s2"]
    assert set(blocks) == {"t1", "t2", "the-label", "gone-label", "g1"}
    assert blocks["g1"].deleted and not blocks["t2"].deleted


def test_a_copy_is_judged_by_its_name_and_ids_resolve_to_the_original(store, root):
    cells = [md("shared-1", "# Analysis"), code("shared-2", "x = 1")]
    scan = 12345
    store.put_notebooks(
        [
            row(root, "analysis-Copy1.ipynb", cells, scan),
            row(root, "analysis.ipynb", cells, scan),
        ]
    )
    [dup] = store.duplicates(10)
    assert (dup.path, dup.original, dup.count) == ("analysis-Copy1.ipynb", "analysis.ipynb", 2)
    assert dup.conclusive and "name" in dup.reason
    assert store.get_blocks(["shared-1"])["shared-1"].path == "analysis.ipynb"
    assert store.ids_resolving_elsewhere("analysis-Copy1.ipynb") == {"shared-1", "shared-2"}
    assert store.ids_resolving_elsewhere("analysis.ipynb") == set()
    # The verdict follows a rename, and goes with the notebook
    assert store.rename_notebook("analysis-Copy1.ipynb", "old/analysis-Copy1.ipynb") == 1
    assert store.duplicates(10)[0].path == "old/analysis-Copy1.ipynb"
    store.remove_notebooks(["old/analysis-Copy1.ipynb"])
    assert store.duplicates(10) == []


def test_paths_compare_in_nfc_and_answer_with_the_real_name(store, root):
    nfd = unicodedata.normalize("NFD", "café/résumé.ipynb")
    nfc = unicodedata.normalize("NFC", nfd)
    put(store, root, nfd, [md("c1", "# Café")])
    assert store.real_path(nfc) == nfd
    assert store.real_path(nfd) == nfd
    assert store.notebook_paths_named(unicodedata.normalize("NFC", "résumé.ipynb")) == [nfd]
    assert store.resolve_notebook_link(nfc) == (nfd, "")
    assert store.real_path("nothing.ipynb") is None


def test_renames_removals_and_skipped_files(store, root):
    put(store, root, "dir/a.ipynb", [md("a1", "one")])
    put(store, root, "dir/sub/b.ipynb", [md("b1", "two")])
    put(store, root, "c.ipynb", [md("c1", "three")])
    assert sorted(store.paths_under("dir")) == ["dir/a.ipynb", "dir/sub/b.ipynb"]
    assert store.rename_notebook("dir", "moved") == 2
    assert store.get_blocks(["b1"])["b1"].path == "moved/sub/b.ipynb"
    assert sorted(store.file_states()) == ["c.ipynb", "moved/a.ipynb", "moved/sub/b.ipynb"]
    # Search finds a notebook by its new path
    assert [h.id for h in store.search("moved", 10, 1000).hits] == ["a1", "b1"]
    removed = store.remove_notebooks(["c.ipynb"])
    assert removed == ["c1"] and store.get_blocks(["c1"])["c1"].deleted
    store.put_skipped("bad.ipynb", FileState(1, 2), "not JSON")
    assert store.skipped() == [("bad.ipynb", "not JSON")]
    assert store.file_state("bad.ipynb") == FileState(1, 2)
    counts = store.counts()
    assert (counts.notebooks, counts.blocks) == (2, 2)
    # A skipped file that becomes readable is indexed again
    put(store, root, "bad.ipynb", [md("d1", "fine now")])
    assert store.skipped() == []


def test_problems_and_titles_are_kept(store, root):
    nb = row(root, "p.ipynb", [md("p1", "# Title of p"), md("p2", "text")])
    nb.problems = ["cell 1: too costly to parse for references"]
    store.put_notebooks([nb])
    assert store.problems() == [("p.ipynb", "cell 1: too costly to parse for references")]
    store.put_notebooks([row(root, "p.ipynb", [md("p1", "# Title of p")])])
    assert store.problems() == []


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("机器学习", ["zh"]),
        ("学", ["zh"]),
        ("学机", []),
        ("🎉", ["party"]),
        ("résumé", ["mixed"]),
        ("resume", ["mixed"]),
        ("東京 sales", ["mixed"]),
        ("gr", []),  # two ASCII letters: a whole word, not a prefix
        ("grew", ["mixed"]),
        ('"sales" * ( : &', ["mixed"]),  # query syntax is only text
        ("season", ["title", "mention"]),  # a block named by the words first
    ],
)
def test_search_rules(store, root, query, expected):
    put(
        store,
        root,
        "words.ipynb",
        [
            md("mention", "The seasonal index, season after season, seasons."),
            md("zh", "本文介绍机器学习的基本方法"),
            md("party", "Release day 🎉"),
            md("mixed", "Résumé: 東京 sales grew"),
            md("title", "# Seasonal index\n\nBy month."),
        ],
    )
    result = store.search(query, 10, 2000)
    assert [hit.id for hit in result.hits] == expected
    assert result.ranked
    for hit in result.hits:
        if hit.id == "title":
            assert hit.title == "Seasonal index"
        if hit.id == "zh":
            assert query in hit.snippet


def test_another_instance_of_the_index_sees_writes_and_is_told(kind, request, root, tmp_path):
    """Two servers on one index (one SQLite file, or one PostgreSQL space)."""
    if kind == "sqlite":
        first = SQLiteStore(str(tmp_path / "index.db"), str(root))
        second = SQLiteStore(str(tmp_path / "index.db"), str(root))
    else:
        from jupyter_blocks.store import PostgresStore

        url, space = request.getfixturevalue("database_url"), request.getfixturevalue("new_space")()
        first = PostgresStore(url, str(root), space=space)
        second = PostgresStore(url, str(root), space=space)
    first.open()
    second.open()
    try:
        cursor = second.change_cursor()
        put(first, root, "shared.ipynb", [md("s1", "# Shared")])
        assert second.get_blocks(["s1"])["s1"].path == "shared.ipynb"
        news: list[Any] = []
        for _ in range(50):  # a notification may take a moment
            cursor, news = second.changes_since(cursor)
            if news:
                break
            os.sched_yield()
        assert news and news[0].paths == ["shared.ipynb"] and news[0].ids == ["s1"]
        # A server is not told of its own writes
        assert first.changes_since(first.change_cursor())[1] == []
    finally:
        first.close()
        second.close()


def test_a_last_word_typed_whole_that_enough_blocks_hold_answers_alone(store, root):
    # A prefix lookup of a common word merges the postings of every word it starts,
    # which no time budget can interrupt (searching.whole_word_first).
    cells = [md(f"whole{i}", f"Data from the survey, part {i}.") for i in range(3)]
    put(store, root, "survey.ipynb", [*cells, md("longer", "A dataframe of the survey.")])

    enough = store.search("data", 3, 2000)
    assert sorted(hit.id for hit in enough.hits) == ["whole0", "whole1", "whole2"]
    # Fewer whole matches than asked for: its longer forms too
    more = store.search("data", 10, 2000)
    assert sorted(hit.id for hit in more.hits) == ["longer", "whole0", "whole1", "whole2"]
    assert more.ranked
    # and a word still being typed finds them
    assert [hit.id for hit in store.search("datafr", 10, 2000).hits] == ["longer"]
    # A space after the word: the word alone, whatever the limit
    assert "longer" not in [hit.id for hit in store.search("data ", 10, 2000).hits]


def test_a_word_most_blocks_hold_answers_with_its_best_candidates(store, kind, root):
    # More blocks hold the word than the PostgreSQL store ranks (RANK_CANDIDATES)
    from jupyter_blocks.store.postgres_search import RANK_CANDIDATES

    per_notebook = 100
    for n in range(RANK_CANDIDATES // per_notebook + 1):
        cells = [md(f"c{n}-{i}", f"A common word, cell {i}.") for i in range(per_notebook)]
        if n == 0:
            cells[0] = md("c0-0", "Rare note: common")
        put(store, root, f"many-{n:02}.ipynb", cells)
    result = store.search("common", 20, 5000)
    assert len(result.hits) == 20
    assert len({hit.id for hit in result.hits}) == 20
    assert all("common" in hit.snippet.lower() for hit in result.hits)
    # SQLite ranks them all within this budget; PostgreSQL the first candidates, and
    # says they were not ranked among every match
    assert result.ranked is (kind == "sqlite")
    rare = store.search("rare", 20, 5000)
    assert ([hit.id for hit in rare.hits], rare.ranked) == (["c0-0"], True)
