"""What the searches of both stores share beyond their SQL."""

from __future__ import annotations

from collections.abc import Callable

from .records import SearchResult


def whole_word_first(
    search: Callable[[bool], SearchResult], typed_prefix: bool, limit: int
) -> SearchResult:
    """The answer for a query whose last word may be a prefix (README, "search"):
    ``search(False)`` looks the last word up whole, ``search(True)`` as a prefix.

    A last word typed whole that at least ``limit`` blocks hold is the answer alone:
    its longer forms would add little, and looking a common prefix up merges the
    postings of every word it starts (``data`` -> ``dataframe``, ``dataset``, ...) before
    the first row, which a time budget cannot interrupt (measured: 50 to 100 ms for
    ``data`` at 10,000 notebooks, BENCHMARKS.md, P5). Otherwise, the prefix."""
    if typed_prefix:
        whole = search(False)
        if len(whole.hits) >= limit:
            return whole
    return search(typed_prefix)
