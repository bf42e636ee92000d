"""Full-text search in the SQLite index: what a user typed, as an FTS5 query that
treats every character as text, ranked under a time budget."""

from __future__ import annotations

import contextlib
import functools
import re
import sqlite3
import threading

from .base import SearchHit, SearchResult
from .sqlite_schema import PREFIX_INDEX, TOKENIZE, deadline

_WORD_RE = re.compile(r"[^\W_]+", re.UNICODE)
# Whole-query limits that keep a pathological query cheap to even build.
MAX_QUERY_TERMS = 12


def search(con: sqlite3.Connection, query: str, limit: int, budget_ms: int) -> SearchResult:
    """Blocks matching ``query`` (see ``fts_query``), best first, ranked by BM25
    within ``budget_ms``; past it, the first matches, unranked."""
    match = fts_query(query)
    if not match:
        return SearchResult([], True)
    select = (
        "SELECT b.id, b.path, b.idx, b.cell_type,"
        " snippet(blocks_fts, 0, '', '', '…', 16)"
        " FROM blocks_fts JOIN blocks b ON b.rowid = blocks_fts.rowid"
        " WHERE blocks_fts MATCH ?"
    )
    # Ranking scores every match: for a very common word that is too slow, so it
    # runs under a time budget, and past it the first matches are served unranked.
    try:
        with deadline(con, budget_ms):
            rows = con.execute(
                select + " ORDER BY bm25(blocks_fts, 1.0, 0.5) LIMIT ?", (match, limit)
            ).fetchall()
        return SearchResult([SearchHit(*row) for row in rows], True)
    except sqlite3.OperationalError as error:
        if "interrupted" not in str(error):
            raise
    # Unranked, the first matches: those holding the last word as typed first (its
    # postings are read as they stream), then its longer forms (a prefix merges the
    # postings of every word it starts, which takes long for a common one).
    found: dict[tuple[str, int], SearchHit] = {}
    attempts = [match[:-1], match] if match.endswith("*") else [match]
    with contextlib.suppress(sqlite3.OperationalError), deadline(con, budget_ms):
        for attempt in attempts:
            for row in con.execute(select + " LIMIT ?", (attempt, limit)):
                hit = SearchHit(*row)
                found.setdefault((hit.path, hit.index), hit)
            if len(found) >= limit:
                break
    return SearchResult(list(found.values())[:limit], False)


def fts_query(text: str) -> str:
    """An FTS5 MATCH expression for what a user typed: every word must appear, and the
    last one as a prefix (the user may still be typing it). A last word of one or two
    ASCII letters or digits matches as a whole word instead: as a prefix it would match
    nearly everything, and FTS5 merges the postings of every word it starts before it
    returns a row, which no time budget can interrupt (prefixes of PREFIX_INDEX
    characters are indexed, and longer ones start fewer words). A run of Chinese or
    Japanese characters is one word to the tokenizer: its beginning, however short,
    stays a prefix. Words are quoted, so FTS syntax in the input (``"``, ``*``,
    ``NEAR``, ``OR``, ``column:``) is only ever text."""
    words = _words(text)[:MAX_QUERY_TERMS]
    if not words:
        return ""
    terms = [f'"{w}"' for w in words]
    last = words[-1]
    if not text[-1:].isspace() and (len(last) >= PREFIX_INDEX or not last.isascii()):
        terms[-1] += "*"
    return " ".join(terms)


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
