"""Words for full-text search in any script: the text a store indexes for a block, and
the terms a query looks for. One rule for every store (SQLite, PostgreSQL).

Word-based full-text search (SQLite FTS5's ``unicode61``, PostgreSQL's ``simple``
configuration) splits text at spaces and punctuation. Chinese, Japanese, Thai and the
other scripts written without spaces would then be one "word" per sentence, found only
by its beginning; symbols such as emoji would not be words at all. So, as CJK search
engines do (Lucene's CJKBigramFilter), a run of such characters is indexed as its
overlapping pairs of characters (plus its last character alone), and a query's run as
its pairs: ``机器学习`` is found in the middle of ``本文介绍机器学习的基本方法``.
Pairs found in different places of a block can also match, so a store keeps only the
blocks that hold the query's run as written (``holds``). A symbol is indexed as a word
of its own, ``u`` and its code point in hex (``🎉`` is ``u1f389``).
"""

from __future__ import annotations

import re
import unicodedata

# Scripts written without spaces between words.
_RUN_RANGES = (
    "\u0e00-\u0eff"  # Thai, Lao
    "\u1000-\u109f"  # Myanmar
    "\u1780-\u17ff"  # Khmer
    "\u3040-\u30ff"  # Hiragana, Katakana
    "\u3100-\u312f"  # Bopomofo
    "\u3400-\u4dbf"  # CJK Extension A
    "\u4e00-\u9fff"  # CJK Unified Ideographs
    "\uf900-\ufaff"  # CJK Compatibility Ideographs
    "\uff66-\uff9f"  # half-width Katakana
    "\U00020000-\U0003134f"  # CJK Extensions B to G
)
_RUN_RE = re.compile(f"[{_RUN_RANGES}]+")
_SYMBOL_CATEGORIES = frozenset({"So", "Sk", "Sm", "Sc"})


def _needs_words(text: str) -> bool:
    return not text.isascii() and (
        _RUN_RE.search(text) is not None or any(map(_is_symbol, set(text)))
    )


def _is_symbol(char: str) -> bool:
    return not char.isascii() and unicodedata.category(char) in _SYMBOL_CATEGORIES


def index_text(text: str) -> str | None:
    """What a store indexes for ``text``, or None when it is the text itself (nearly
    always: only runs of spaceless scripts and symbols change)."""
    if not _needs_words(text):
        return None
    return _words(text, query=False)


def query_text(text: str) -> str:
    """A query's text with its spaceless runs as pairs and its symbols as words, for a
    store's own query parser (the pairs of one run must all match)."""
    if not _needs_words(text):
        return text
    return _words(text, query=True)


def runs(text: str) -> list[str]:
    """The runs of spaceless scripts in ``text`` (what ``holds`` checks)."""
    return _RUN_RE.findall(text)


def holds(source: str, query: str) -> bool:
    """Whether a block's text holds each spaceless run of the query as written (so
    that pairs matched far apart are not taken for the run)."""
    return all(run in source for run in runs(query))


def _words(text: str, query: bool) -> str:
    def pairs(match: re.Match[str]) -> str:
        run = match.group(0)
        if len(run) == 1:
            return f" {run} "
        grams = [run[i : i + 2] for i in range(len(run) - 1)]
        if not query:
            grams.append(run[-1])  # a one-character query finds a run's last one
        return " " + " ".join(grams) + " "

    text = _RUN_RE.sub(pairs, text)
    return "".join(f" u{ord(c):x} " if _is_symbol(c) else c for c in text)
