"""Pick how `ohr search` reads the registry: through the word index, or by scanning the text when it cannot help."""

from __future__ import annotations

from typing import Any

from queries.sqlfiles import SqlFile, load

__all__ = ["MAX_WORDS_PER_TERM", "search_query"]

#: A term inside more distinct words than this ('e', 'in') would read most postings: scanning is cheaper.
MAX_WORDS_PER_TERM = 20_000

# How many vocabulary words the least selective term is inside (one scan of search_vocab per term).
_WIDEST = ("SELECT max((SELECT count(*) FROM search_vocab WHERE contains(word, t))) "
           "FROM unnest($1::VARCHAR[]) AS u(t)")


def search_query(con: Any, terms: list[str], max_words: int = MAX_WORDS_PER_TERM) -> SqlFile:
    """The word-index search when every term narrows the vocabulary, else the scan; both give the same rows."""
    if terms:
        (widest,) = con.execute(_WIDEST, [terms]).fetchone()
        if widest is not None and widest <= max_words:
            return load("_search")
    return load("_search_scan")
