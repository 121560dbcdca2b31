"""Decide how `ohr search` reads the registry: through the word index, or by scanning the text when it cannot help."""

from __future__ import annotations

from typing import Any

__all__ = ["MAX_WORDS_PER_TERM", "word_ids", "use_index"]

#: A term inside more distinct words than this ('e', 'in') would read most postings: scanning is cheaper.
MAX_WORDS_PER_TERM = 20_000

# Per term (numbered from 1), the ids of the vocabulary words it is inside: one scan of search_vocab for all
# terms; no lists are built when some term is inside more than $2 words.
_WORDS = """
WITH terms AS (SELECT unnest($1::VARCHAR[]) AS t, generate_subscripts($1::VARCHAR[], 1) AS i),
hit AS (SELECT terms.i, v.word_id FROM search_vocab v JOIN terms ON contains(v.word, terms.t)),
widest AS (SELECT coalesce(max(n), 0) AS n FROM (SELECT count(*) AS n FROM hit GROUP BY i))
SELECT i, list(word_id ORDER BY word_id) FROM hit WHERE (SELECT n FROM widest) <= $2 GROUP BY i
UNION ALL
SELECT 0, NULL FROM widest WHERE n > $2
"""


def word_ids(con: Any, terms: list[str], max_words: int = MAX_WORDS_PER_TERM) -> list[list[int]]:
    """queries/_search.sql's `words`: per term, the ids of the words holding it; [] (scan the text) when some
    term is inside more than `max_words` words, or there are no terms. Both ways give the same rows."""
    if not terms:
        return []
    out: list[list[int]] = [[] for _ in terms]
    for i, ids in con.execute(_WORDS, [terms, max_words]).fetchall():
        if i == 0:
            return []
        out[i - 1] = ids
    return out


def use_index(con: Any, terms: list[str], max_words: int = MAX_WORDS_PER_TERM) -> bool:
    """True when every term narrows the vocabulary, so the word index answers the search."""
    return bool(word_ids(con, terms, max_words))
