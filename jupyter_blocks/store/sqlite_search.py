"""Full-text search in the SQLite index: what a user typed, as an FTS5 query that
treats every character as text, ranked under a time budget. A block's title weighs
most, then its words, then its notebook's path. Spaceless scripts and symbols are
searched as ``searchtext.py`` indexes them (pairs of characters, symbol words)."""

from __future__ import annotations

import contextlib
import functools
import re
import sqlite3
import threading

from ..links.searchtext import holds, query_text, runs
from .records import SearchHit, SearchResult
from .searching import whole_word_first
from .sqlite_schema import PREFIX_INDEX, TOKENIZE, deadline

_WORD_RE = re.compile(r"[^\W_]+", re.UNICODE)
# Whole-query limits that keep a pathological query cheap to even build.
MAX_QUERY_TERMS = 12
# BM25 weights of the columns title, words and path: a block's own title ranks above a
# block that mentions the same words.
_WEIGHTS = "4.0, 1.0, 0.5"
SNIPPET_WORDS = 16
_SELECT = (
    "SELECT b.id, b.path, b.idx, b.cell_type,"  # noqa: S608 (constants only)
    f" snippet(blocks_fts, 1, '', '', '…', {SNIPPET_WORDS}), b.title, b.label,"
    " b.words IS NOT NULL, CASE WHEN b.words IS NOT NULL THEN b.source END"
    " FROM blocks_fts JOIN blocks b ON b.rowid = blocks_fts.rowid"
    " WHERE blocks_fts MATCH ?"
)


def search(con: sqlite3.Connection, query: str, limit: int, budget_ms: int) -> SearchResult:
    """Blocks matching ``query`` (see ``fts_query``), best first, ranked by BM25
    within ``budget_ms``; past it, the first matches, unranked. A last word that may be
    a prefix is looked up whole first (``searching.whole_word_first``). A query holding
    runs of a spaceless script keeps only blocks holding those runs as written."""
    match = fts_query(query)
    if not match:
        return SearchResult([], True)
    last = match.rsplit(" ", 1)[-1]
    typed_prefix = last.endswith("*") and not _single_run_char(last[1:-2])
    whole = match.removesuffix("*") if typed_prefix else match
    return whole_word_first(
        lambda prefix: _search(con, match if prefix else whole, query, limit, budget_ms),
        typed_prefix,
        limit,
    )


def _search(
    con: sqlite3.Connection, match: str, query: str, limit: int, budget_ms: int
) -> SearchResult:
    spaced = bool(runs(query))
    # Pairs of characters may match apart: ask for more, keep those holding the runs.
    wanted = limit * 4 if spaced else limit
    # Ranking scores every match: for a very common word that is too slow, so it
    # runs under a time budget, and past it the first matches are served unranked.
    try:
        with deadline(con, budget_ms):
            rows = con.execute(
                _SELECT + f" ORDER BY bm25(blocks_fts, {_WEIGHTS}) LIMIT ?", (match, wanted)
            ).fetchall()
        return SearchResult(_hits(rows, query, limit), True)
    except sqlite3.OperationalError as error:
        if "interrupted" not in str(error):
            raise
    # Unranked, the first matches: those holding the last word as typed first (its
    # postings are read as they stream), then its longer forms (a prefix merges the
    # postings of every word it starts, which takes long for a common one).
    found: dict[tuple[str, int], tuple[object, ...]] = {}
    attempts = [match[:-1], match] if match.endswith("*") else [match]
    with contextlib.suppress(sqlite3.OperationalError), deadline(con, budget_ms):
        for attempt in attempts:
            for row in con.execute(_SELECT + " LIMIT ?", (attempt, wanted)):
                found.setdefault((row[1], row[2]), row)
            if len(found) >= wanted:
                break
    return SearchResult(_hits(list(found.values()), query, limit), False)


def _hits(rows: list[tuple[object, ...]], query: str, limit: int) -> list[SearchHit]:
    hits: list[SearchHit] = []
    for bid, path, idx, cell_type, snippet, title, label, paired, source in rows:
        if paired and not holds(str(source), query):
            continue
        if paired:
            # The index holds pairs of characters, not the text: cut the text itself.
            snippet = excerpt(str(source), query)
        hits.append(
            SearchHit(bid, path, idx, cell_type, snippet, title, label)  # type: ignore[arg-type]
        )
        if len(hits) >= limit:
            break
    return hits


def excerpt(source: str, query: str, width: int = 120) -> str:
    """The part of ``source`` around the first place it holds a word of the query."""
    lowered = source.lower()
    places = [lowered.find(word.lower()) for word in [*runs(query), *query.split()]]
    at = min((p for p in places if p >= 0), default=0)
    start = max(0, at - width // 3)
    text = source[start : start + width]
    return ("…" if start else "") + text + ("…" if start + width < len(source) else "")


def fts_query(text: str) -> str:
    """An FTS5 MATCH expression for what a user typed: every word must appear, and the
    last one as a prefix (the user may still be typing it). A last word of one or two
    ASCII letters or digits matches as a whole word instead: as a prefix it would match
    nearly everything, and FTS5 merges the postings of every word it starts before it
    returns a row, which no time budget can interrupt (prefixes of PREFIX_INDEX
    characters are indexed, and longer ones start fewer words). A run of a spaceless
    script is looked up as its pairs of characters (``searchtext.py``); a single such
    character is a prefix (it finds the pairs it starts). Words are quoted, so FTS
    syntax in the input (``"``, ``*``, ``NEAR``, ``OR``, ``column:``) is only ever
    text."""
    words = _words(query_text(text))[: MAX_QUERY_TERMS * 2]
    if not words:
        return ""
    terms = [f'"{w}"' + ("*" if _single_run_char(w) else "") for w in words]
    last = words[-1]
    prefix = len(last) >= PREFIX_INDEX or not last.isascii()
    if not text[-1:].isspace() and prefix and not terms[-1].endswith("*") and not runs(last):
        terms[-1] += "*"
    return " ".join(terms)


def _single_run_char(word: str) -> bool:
    return len(word) == 1 and bool(runs(word))


def _words(text: str) -> list[str]:
    """The words of a query as the index's tokenizer splits them. Python's idea of a
    word character and SQLite's (older Unicode tables) differ on a few letters; a quoted
    word that SQLite splits would be a phrase, which an index without positions cannot
    match, so non-ASCII text is split by SQLite itself."""
    if text.isascii():
        return _WORD_RE.findall(text)
    with _TOKENIZER_LOCK:
        con = _tokenizer()
        con.execute("DELETE FROM words")
        con.execute("INSERT INTO words (text) VALUES (?)", (text,))
        return [term for (term,) in con.execute("SELECT term FROM words_vocab ORDER BY offset")]


_TOKENIZER_LOCK = threading.Lock()


@functools.cache
def _tokenizer() -> sqlite3.Connection:
    """An in-memory FTS5 table with the index's tokenizer, to split query text."""
    con = sqlite3.connect(":memory:", check_same_thread=False)
    con.executescript(
        f"""
        CREATE VIRTUAL TABLE words USING fts5 (text, tokenize = {TOKENIZE});
        CREATE VIRTUAL TABLE words_vocab USING fts5vocab (words, 'instance');
        """
    )
    return con
