"""Full-text search in the PostgreSQL index, by the README's search rules (the ones the
SQLite store applies): every word must appear in a block's source or its notebook's
path, accents and case folded; the last word is a prefix unless it is a word of one or
two ASCII letters or digits; spaceless scripts and symbols are words by
``searchtext``'s rule; results ranked within a time budget (among the first
``RANK_CANDIDATES`` matches), else the first matches.

The words are found here, in Python, and handed to PostgreSQL as a ``tsvector`` and a
``tsquery`` written out lexeme by lexeme: PostgreSQL's own text parser would split
``sales.ipynb`` or ``data_frame`` otherwise than SQLite does, and classifies letters by
the database's locale. PostgreSQL then does what it is made for: a GIN index over the
words, prefix matching (``:*``) and ranking (``ts_rank``). No extension is needed
(neither ``unaccent`` nor ``pg_trgm``: folding accents here costs nothing, and the pairs
of ``searchtext`` find text in scripts written without spaces, which is where words
"run together").
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Sequence
from itertools import chain, islice
from typing import Any

import psycopg
from psycopg import errors

from ..links import searchtext
from .postgres_schema import sql
from .records import BlockRow, NotebookRow, SearchHit, SearchResult
from .searching import whole_word_first
from .sqlite_search import excerpt

WORD_RE = re.compile(r"[^\W_]+")
MIN_PREFIX = 3  # a shorter ASCII last word matches whole (the README's search rule)
MAX_QUERY_TERMS = 12
MAX_WORD = 240  # longer "words" (an encoded blob) are not indexed
MAX_POSITIONS = 256  # occurrences of one word kept: what PostgreSQL keeps of a literal
MAX_POSITION = 16383  # PostgreSQL's largest word position
MAX_VECTOR_CHARS = 256 * 1024  # a block's words past this are not indexed (1 MB limit)
# ts_rank's weights for D, C, B, A: the path counts half as much as the source, the
# name (label and heading) twice as much.
NAME, SOURCE, PATH = "A", "B", "C"
WEIGHTS = "{0.1, 0.25, 0.5, 1.0}"
SNIPPET_TOKENS = 16
HIT_NAMES = "id, path, idx, cell_type, source, title, label, paired"
HIT_COLUMNS = HIT_NAMES.replace("paired", "words IS NOT NULL AS paired")
_ASCII_NOT_WORD = str.maketrans({c: " " for c in map(chr, range(128)) if not c.isalnum()})
RANK_CANDIDATES = 2000  # matches ranked at most, in the order the index finds them


def fold(text: str) -> str:
    """Text as search compares it: accents removed and case folded (as SQLite's
    ``unicode61 remove_diacritics 2`` does), compatibility forms unified."""
    if text.isascii():
        return text.lower()
    bare = "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))
    return unicodedata.normalize("NFC", bare).lower()


def words_of(text: str) -> list[str]:
    """The words search finds in ``text``."""
    if text.isascii():  # WORD_RE's words, found in C (about 1.5 x faster)
        return text.lower().translate(_ASCII_NOT_WORD).split()
    return WORD_RE.findall(fold(searchtext.index_text(text) or text))


def vector(source: str, path: str, name: str = "") -> str:
    """A block's words as a ``tsvector`` literal: its name's, its notebook path's and
    its source's, each word with its first ``MAX_POSITIONS`` positions, weighted (NAME,
    PATH, SOURCE) for ranking. Words longer than ``MAX_WORD`` are left out, positions
    stop at ``MAX_POSITION``, and the words past ``MAX_VECTOR_CHARS`` of distinct words
    are not indexed."""
    named = words_of(name) if name else []
    segments = ((NAME, named), (PATH, _path_words(path)), (SOURCE, words_of(source)))
    at_once = _vector_at_once(segments)
    return _vector_word_by_word(segments) if at_once is None else at_once


def _vector_at_once(segments: tuple[tuple[str, Sequence[str]], ...]) -> str | None:
    """``vector`` with its loops in C (``zip``, ``islice``, ``str.join``), or None when a
    limit applies (a long word, MAX_POSITION words or more, too many distinct words): a
    cold index builds about 40 vectors a notebook, under the GIL the parser needs too.
    Each occurrence is written apart (``'the':3B 'the':9B``): PostgreSQL merges a
    lexeme's positions when it reads the literal and keeps the first MAX_POSITIONS of
    them, so the value is ``_vector_word_by_word``'s."""
    words = list(chain.from_iterable(part for _, part in segments))
    count = len(words)
    if not count:
        return ""
    if count >= MAX_POSITION or max(map(len, words)) > MAX_WORD:
        return None
    # PostgreSQL reads every occurrence of the literal into one buffer of at most 1 MB
    # before it merges them: past MAX_VECTOR_CHARS of occurrences (a rare, huge block),
    # word by word, which writes each word once.
    if sum(map(len, words)) + 8 * count > MAX_VECTOR_CHARS:
        return None
    # "'" word "':position weight '" word ...: each word followed by its position's
    # suffix, and the last suffix without its opening quote.
    pieces = ["'"]
    position = 1
    for weight, part in segments:
        if part:
            end = position + len(part)
            suffixes = islice(_suffixes(weight), position, end)
            pieces += chain.from_iterable(zip(part, suffixes, strict=True))
            position = end
    pieces[-1] = pieces[-1][:-2]
    return "".join(pieces)


@functools.cache
def _suffixes(weight: str) -> list[str]:
    """What follows the word at each position: ``':7B '`` at 7 (and the next quote)."""
    return [f"':{position}{weight} '" for position in range(MAX_POSITION + 1)]


def _vector_word_by_word(segments: tuple[tuple[str, Sequence[str]], ...]) -> str:
    found: dict[str, list[str]] = {}
    position = 0
    size = 0
    get = found.get
    for weight, words in segments:
        for word in words:
            if position < MAX_POSITION:
                position += 1
            at = get(word)
            if at is None:
                if len(word) > MAX_WORD:
                    continue
                size += len(word) + 8
                if size > MAX_VECTOR_CHARS:
                    break
                found[word] = [f"{position}{weight}"]
            elif len(at) < MAX_POSITIONS and position < MAX_POSITION:
                at.append(f"{position}{weight}")
    return " ".join(f"'{word}':{','.join(at)}" for word, at in found.items())


def prepare_vectors(notebook: NotebookRow) -> None:
    """Each block's ``vector`` and ``name_vector`` for the notebook's path, kept on the
    block (``BlockRow.prepared``) as it is read, so that the writer does not build them."""
    for block in notebook.blocks:
        terms = vector(block.source, notebook.path, block.name)
        block.prepared = (terms, name_vector(block.name), notebook.path)


def vectors_of(block: BlockRow, path: str) -> tuple[str, str]:
    """The block's ``vector`` and ``name_vector`` at ``path``: those prepared as it was
    read when they were made for that path, else built now."""
    prepared = block.prepared
    if prepared is not None and len(prepared) == 3 and prepared[2] == path:
        return prepared[0], prepared[1]
    return vector(block.source, path, block.name), name_vector(block.name)


@functools.lru_cache(maxsize=4096)
def _path_words(path: str) -> tuple[str, ...]:
    # The same for every block of a notebook: found once per notebook.
    return tuple(words_of(path))


def name_vector(name: str) -> str:
    """The words of a block's name alone (a block named by the query ranks first)."""
    return " ".join(f"'{word}'" for word in dict.fromkeys(words_of(name)) if len(word) <= MAX_WORD)


def tsquery(text: str) -> str:
    """A ``tsquery`` for what a user typed: every word, the last as a prefix (see the
    module's rules); "" when it has no word. Words are written as lexemes, so query
    syntax in the input (``&``, ``|``, ``!``, ``:*``, quotes) is only ever text."""
    terms = WORD_RE.findall(fold(searchtext.query_text(text)))[:MAX_QUERY_TERMS]
    if not terms:
        return ""
    quoted = [f"'{term}'" for term in terms]
    last = terms[-1]
    if not text[-1:].isspace() and (len(last) >= MIN_PREFIX or not last.isascii()):
        quoted[-1] += ":*"
    return " & ".join(quoted)


def search(
    con: psycopg.Connection[Any], schema: str, query: str, limit: int, budget_ms: int
) -> SearchResult:
    """Blocks matching ``query``, best first (blocks whose name, their label or heading,
    holds every word, then by ``ts_rank``), ranked within ``budget_ms``; past it, the
    first matches, unranked (those holding the last word whole first). A last word that
    may be a prefix is looked up whole first (``searching.whole_word_first``)."""
    match = tsquery(query)
    if not match:
        return SearchResult([], True)
    typed_prefix = match.endswith(":*")
    whole = match.removesuffix(":*")
    return whole_word_first(
        lambda prefix: _search(con, schema, match if prefix else whole, query, limit, budget_ms),
        typed_prefix,
        limit,
    )


def _search(
    con: psycopg.Connection[Any], schema: str, match: str, query: str, limit: int, budget_ms: int
) -> SearchResult:
    runs = searchtext.runs(query)
    # A spaceless run must be in the block as written, not only its pairs.
    holds = "".join(" AND strpos(source, %s) > 0" for _ in runs)
    where = " FROM {s}.blocks WHERE terms @@ %s::tsquery" + holds
    select = "SELECT " + HIT_COLUMNS + where
    ranked = sql(
        schema,
        "SELECT " + HIT_NAMES + ", count(*) OVER ()"  # noqa: S608 (constants and %s only)
        " FROM (SELECT " + HIT_COLUMNS + ", terms, name_terms" + where + " LIMIT %s) c"
        " ORDER BY name_terms @@ %s::tsquery DESC,"
        f" ts_rank('{WEIGHTS}', terms, %s::tsquery, 1) DESC, path, idx LIMIT %s",
    )
    try:
        params = (match, *runs, RANK_CANDIDATES + 1, match, match, limit)
        rows = _within(con, budget_ms, ranked, params)
        every = not rows or rows[0][-1] <= RANK_CANDIDATES
        return SearchResult([_hit(row[:-1], query) for row in rows], every)
    except errors.QueryCanceled:
        pass
    found: dict[tuple[str, int], SearchHit] = {}
    attempts = [match[:-2], match] if match.endswith(":*") else [match]
    for attempt in attempts:
        try:
            rows = _within(
                con, budget_ms, sql(schema, select) + " LIMIT %s", (attempt, *runs, limit)
            )
        except errors.QueryCanceled:
            break
        for row in rows:
            hit = _hit(row, query)
            found.setdefault((hit.path, hit.index), hit)
        if len(found) >= limit:
            break
    return SearchResult(list(found.values())[:limit], False)


def _within(
    con: psycopg.Connection[Any], budget_ms: int, query: str, params: tuple[Any, ...]
) -> list[tuple[Any, ...]]:
    with con.transaction():
        con.execute(f"SET LOCAL statement_timeout = {max(1, int(budget_ms))}")
        return con.execute(query, params).fetchall()


def _hit(row: tuple[Any, ...], query: str) -> SearchHit:
    block_id, path, index, cell_type, source, title, label, paired = row
    # A block indexed as pairs of characters: cut its text where the run is.
    cut = excerpt(source, query) if paired else snippet(source, query)
    return SearchHit(block_id, path, index, cell_type, cut, title, label)


def snippet(source: str, query: str) -> str:
    """About SNIPPET_TOKENS words of ``source`` around the first word of the query it
    holds (its start when none), with "…" where text was left out: what SQLite's
    ``snippet()`` gives."""
    tokens = list(WORD_RE.finditer(source))
    if not tokens:
        return source[:200]
    terms = WORD_RE.findall(fold(query))
    first = 0
    runs = searchtext.runs(query)
    if runs:
        at = source.find(runs[0])
        first = next((i for i, t in enumerate(tokens) if t.end() > at), 0) if at >= 0 else 0
    elif terms:
        exact, prefix = set(terms[:-1]), terms[-1]
        for i, token in enumerate(tokens):
            folded = fold(token.group())
            if folded in exact or folded.startswith(prefix):
                first = i
                break
    start = max(0, min(first - SNIPPET_TOKENS // 4, len(tokens) - SNIPPET_TOKENS))
    end = min(len(tokens), start + SNIPPET_TOKENS) - 1
    text = source[tokens[start].start() if start else 0 : tokens[end].end()]
    return ("…" if start > 0 else "") + text + ("…" if end < len(tokens) - 1 else "")
