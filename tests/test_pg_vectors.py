"""The words the PostgreSQL store indexes for a block: its fast literal (each occurrence
written apart, loops in C) is, as PostgreSQL reads it, the same ``tsvector`` as the one
built word by word, on real notebooks (the on-disk shape, sources as lists of lines)
and on the cases where a limit applies. Against a real PostgreSQL."""

from __future__ import annotations

import random
from pathlib import Path

import nbformat
import psycopg
import pytest

from jupyter_blocks.store import postgres_search as words

FIXTURES = Path(__file__).parent / "fixtures" / "notebooks"
CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus" / "pdsh"


def _sources() -> list[tuple[str, str, str]]:
    """(source, path, name) of every cell of the fixtures and, when it is beside the
    clone, of pdsh's notebooks; nbformat joins the on-disk lists of lines."""
    paths = sorted(FIXTURES.rglob("*.ipynb"))
    if CORPUS.is_dir():
        paths += sorted(CORPUS.glob("*.ipynb"))[:20]
    found = []
    for path in paths:
        notebook = nbformat.read(path, as_version=4)
        for cell in notebook.cells:
            first = (cell.source.splitlines() or [""])[0]
            heading = first if cell.cell_type == "markdown" else ""
            found.append((cell.source, path.name, heading.lstrip("# ")))
    return found


EDGES = [
    ("", "", ""),
    ("the " * 300, "a/the.ipynb", "the"),  # a word past MAX_POSITIONS occurrences
    ("x" * 300 + " short words", "p.ipynb", "name"),  # a word past MAX_WORD
    ("a " * (words.MAX_POSITION - 1), "", ""),  # just under MAX_POSITION words
    ("a " * (words.MAX_POSITION + 10), "n.ipynb", ""),  # past it: word by word
    (" ".join(f"w{i:06d}" for i in range(40_000)), "", ""),  # past MAX_VECTOR_CHARS
    # Few distinct words, but more than 1 MB of occurrences (PostgreSQL's buffer).
    (("x" * words.MAX_WORD + " ") * 4400, "", ""),
    (("é" * 200 + " " + "ü" * 200 + " ") * 1400, "", ""),
    ("本文介绍机器学习的基本方法 🎉 the the Ünïcödé ﬁle", "日本/ノート.ipynb", "名前"),
    ("it's a 'quoted' \\ back:slash & | ! word", "q'uote.ipynb", "l:abel"),
]


def test_the_fast_literal_is_the_same_vector_as_word_by_word(database_url: str) -> None:
    rng = random.Random(30)
    alphabet = list("ab XY_-.'\"\\:!&|() 01\n\té ü 機器学習 🎉 ∑ € Ⅻ ﬁ İ ß")
    made = [
        tuple("".join(rng.choice(alphabet) for _ in range(rng.randint(0, n))) for n in (80, 9, 6))
        for _ in range(300)
    ]
    cases = _sources() + EDGES + made
    assert len(cases) > 300
    with psycopg.connect(database_url, autocommit=True) as con:
        for source, path, name in cases:
            segments = (
                (words.NAME, words.words_of(name) if name else []),
                (words.PATH, words.words_of(path)),
                (words.SOURCE, words.words_of(source)),
            )
            slow = words._vector_word_by_word(segments)
            fast = words.vector(source, path, name)
            same = con.execute("SELECT %s::tsvector = %s::tsvector", (fast, slow)).fetchone()
            assert same == (True,), (source[:80], fast[:200], slow[:200])


@pytest.mark.parametrize("seed", range(5))
def test_ascii_words_are_the_pattern_s_words(seed: int) -> None:
    rng = random.Random(seed)
    text = "".join(chr(rng.randrange(128)) for _ in range(5000))
    assert words.words_of(text) == words.WORD_RE.findall(text.lower())
