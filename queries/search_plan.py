"""Decide how `ohr search` reads the registry: through the word index, or by scanning the text when it cannot help.

A scan for a term inside most words ('e') would read every README head. Names alone bound each row's score
(100 per term in the name, at most 11 more per term from the description and README), so the scan first
reads only the rows best placed by that bound and stars; the answer is final once its last row ranks
strictly above every row left unread, else more rows are read, then all.
"""

from __future__ import annotations

from typing import Any

__all__ = ["MAX_WORDS_PER_TERM", "PROBES", "search", "use_index", "word_ids"]

#: A term inside more distinct words than this ('e', 'in') would read most postings: scanning is cheaper.
MAX_WORDS_PER_TERM = 20_000

#: Rows read per wanted row in the scan's successive probes before it reads them all: few, as rows scattered over
#: the table cost a vector of every text column each.
PROBES = (2, 8, 32)

# The best-placed rows by their score's upper bound from the name alone, then stars (NULL last, as ranked).
_PLACES = """
SELECT doc, ub, st FROM (
    SELECT doc, coalesce(stars, -1) AS st, list_sum(list_transform($1::VARCHAR[], lambda t:
        (CASE WHEN contains(name_lc, t) THEN 100 ELSE 0 END) + 11)) AS ub
    FROM search_index)
ORDER BY ub DESC, st DESC LIMIT $2
"""

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


def search(con: Any, values: dict[str, Any], probes: tuple[int, ...] = PROBES,
           max_words: int = MAX_WORDS_PER_TERM) -> tuple[list[str], list[tuple]]:
    """queries/_search.sql's columns and rows for `values` (its parameters, words and docs aside), read cheaply."""
    from queries.sqlfiles import load

    q = load("_search")
    terms = list(values.get("terms") or [])
    lim = int(values.get("lim") or 20)
    words = word_ids(con, terms, max_words)
    if terms and not words and probes:
        placed = con.execute(_PLACES, [terms, probes[-1] * lim + 1]).fetchall()  # one more: are there more?
        for k in probes:
            probe = placed[:k * lim]
            cur = con.execute(q.sql, q.bind({**values, "words": [], "docs": [doc for doc, _, _ in probe]}))
            cols = [d[0] for d in cur.description]
            rows = cur.fetchall()
            if len(placed) <= k * lim:  # every row was read (the filters may have kept fewer than lim)
                return cols, rows
            last = rows[-1] if len(rows) == lim else None
            if last is not None and (last[cols.index("score")], _stars(last[cols.index("stars")])) > probe[-1][1:]:
                return cols, rows
    cur = con.execute(q.sql, q.bind({**values, "words": words}))
    return [d[0] for d in cur.description], cur.fetchall()


def _stars(value: int | None) -> int:
    """Stars as _PLACES orders them: none below zero."""
    return -1 if value is None else value
