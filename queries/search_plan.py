"""Decide how `ohr search` reads the registry: through the word index, or by scanning the text when it cannot help."""

from __future__ import annotations

from typing import Any

__all__ = ["MAX_WORDS_PER_TERM", "use_index"]

#: A term inside more distinct words than this ('e', 'in') would read most postings: scanning is cheaper.
MAX_WORDS_PER_TERM = 20_000

# How many vocabulary words the least selective term is inside (one scan of search_vocab per term).
_WIDEST = ("SELECT max((SELECT count(*) FROM search_vocab WHERE contains(word, t))) "
           "FROM unnest($1::VARCHAR[]) AS u(t)")


def use_index(con: Any, terms: list[str], max_words: int = MAX_WORDS_PER_TERM) -> bool:
    """True when every term narrows the vocabulary (queries/_search.sql's `indexed`); both ways give the same rows."""
    if not terms:
        return False
    (widest,) = con.execute(_WIDEST, [terms]).fetchone()
    return widest is not None and widest <= max_words
