"""Keep `search_index` and its word index in step with v_projects, so `ohr search` reads small tables, not READMEs.

A project's row is rebuilt whenever its fields are (derive.refresh_projects, from crawl batches and
renormalize) and when a curator changes it (registry/curate.py). The README counts by the distinct words
of its first SEARCH_README_CHARS characters: a term is matched as a substring of a word, so distinct
words give the same answer as the full text for any term without whitespace, at a fraction of the bytes.

The same argument lets search skip the text altogether (migration 0008): `search_vocab` holds every
distinct word of the text columns and `search_postings` which rows hold each word, and in which fields,
so a term is matched against the vocabulary and the rows come from the postings of the matching words.
Postings are kept sorted by word (migration 0009) so those reads skip most of the table: rebuilt rows
append theirs, and compact_search sorts the table again once the appended tail is a tenth of it.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import duckdb

__all__ = ["COMPACT_FRACTION", "FIELD_BITS", "IMAGE_TAGS", "SEARCH_README_CHARS", "compact_search",
           "refresh_search"]

#: How much of a README the search reads (title, badges, summary and usually the first sections).
SEARCH_README_CHARS = 4000
#: search_postings.fields: where a word occurs in a search row.
FIELD_BITS = {"name_lc": 1, "description_lc": 2, "readme_lc": 4, "other_lc": 8}
#: compact_search sorts the postings again once rows rebuilt since the last sort are this share of the index.
COMPACT_FRACTION = 0.1

_COLUMNS = ("project_id, name_lc, description_lc, readme_lc, other_lc, categories_lc, sources, licences_lc, "
            "openness, bom_files, name, category, hardware_licence, maturity, stars, bom_lines, images")

# The search rows of some projects, as they should be now (search_index without its row number).
#: Picture tags of the README head, in order (Markdown images and HTML <img>), at most a dozen: the web cards
#: pick the first real picture from them (queries/web/pages.py) without reading READMEs (migration 0019).
IMAGE_TAGS = ("!\\[[^\\]]*\\]\\([^)]*\\)|(?i:<img\\s[^>]*>)")
_IMAGES = f"list_slice(regexp_extract_all(left(r.readme, {SEARCH_README_CHARS}), '{IMAGE_TAGS}'), 1, 12)"
_ROWS_SQL = f"""
SELECT v.id AS project_id,
       lower(coalesce(v.name, '')),
       lower(coalesce(v.description, '')),
       coalesce(array_to_string(list_sort(list_distinct(
           string_split_regex(lower(left(r.readme, {SEARCH_README_CHARS})), '\\s+'))), ' '), ''),
       lower(concat_ws(' ', v.category, v.id, array_to_string(v.topics, ' '))),
       coalesce(c.categories, ''),
       coalesce(v.sources, []::VARCHAR[]),
       list_filter([lower(v.hardware_licence), lower(v.documentation_licence), lower(v.software_licence)],
                   lambda x: x IS NOT NULL),
       v.openness, v.bom_files,
       v.name, v.category, v.hardware_licence, v.maturity, v.stars, v.bom_lines,
       coalesce({_IMAGES}, []::VARCHAR[])
FROM v_projects v
LEFT JOIN repos r ON r.project_id = v.id
LEFT JOIN (
    SELECT project_id, lower(string_agg(DISTINCT h, chr(31) ORDER BY h)) AS categories
    FROM (SELECT project_id, unnest(list_append(coalesce(heading_path, []), category)) AS h
          FROM source_records WHERE {{by_project}})
    WHERE h IS NOT NULL
    GROUP BY project_id
) c ON c.project_id = v.id
WHERE {{projects}}
"""
_NUMBERED = (f"INSERT INTO search_index ({_COLUMNS}, doc) SELECT *, "
             "(SELECT coalesce(max(doc), 0) FROM search_index) + row_number() OVER (ORDER BY project_id) FROM {rows}")

# The words of the search rows numbered above $1, their new vocabulary entries and their postings
# (migration 0008 runs the same statements with $1 = 0).
_WORDS_SQL = [
    "CREATE OR REPLACE TEMP TABLE search_new_words AS SELECT doc, word, bit_or(f)::UTINYINT AS fields FROM ("
    + " UNION ALL ".join(f"SELECT doc, unnest(string_split_regex({col}, '\\s+')) AS word, {bit} AS f "
                         f"FROM search_index WHERE doc > $1" for col, bit in FIELD_BITS.items())
    + ") WHERE word <> '' GROUP BY doc, word",
    "INSERT INTO search_vocab "
    "SELECT (SELECT coalesce(max(word_id), 0) FROM search_vocab) + row_number() OVER (ORDER BY word), word "
    "FROM (SELECT DISTINCT word FROM search_new_words) w "
    "WHERE NOT EXISTS (SELECT 1 FROM search_vocab v WHERE v.word = w.word)",
    "INSERT INTO search_postings "
    "SELECT v.word_id, n.doc, n.fields FROM search_new_words n JOIN search_vocab v ON v.word = n.word "
    "ORDER BY v.word_id, n.doc",
    "DROP TABLE search_new_words",
]


def _index_words(con: duckdb.DuckDBPyConnection, above: int) -> None:
    for sql in _WORDS_SQL:
        con.execute(sql, [above] if "$1" in sql else None)


def refresh_search(con: duckdb.DuckDBPyConnection, project_ids: Iterable[str] | None = None) -> None:
    """Rebuild the search rows (and their words) of the given projects (all when None) from v_projects.

    With ids, a row that would come out as it is stored is left alone, with its postings: a re-run over
    unchanged projects (say, renormalize) writes nothing here.
    """
    if project_ids is None:
        for table in ("search_postings", "search_vocab", "search_index"):
            con.execute(f"DELETE FROM {table}")
        con.execute(_NUMBERED.format(rows="(" + _ROWS_SQL.format(by_project="TRUE", projects="TRUE") + ")"))
        _index_words(con, 0)
        _sorted_up_to_here(con)
        return
    ids = sorted(set(project_ids))
    if not ids:
        return
    where = "project_id IN (SELECT UNNEST($1::VARCHAR[]))"
    con.execute("CREATE OR REPLACE TEMP TABLE __ohr_search_rows AS "
                + _ROWS_SQL.format(by_project=where, projects="v.id IN (SELECT UNNEST($1::VARCHAR[]))"), [ids])
    # rows that changed, and ids that have no row any more (merged away): their old rows and postings go
    con.execute("CREATE OR REPLACE TEMP TABLE __ohr_search_changed AS SELECT * FROM __ohr_search_rows "
                f"EXCEPT SELECT {_COLUMNS} FROM search_index WHERE {where}", [ids])
    con.execute("CREATE OR REPLACE TEMP TABLE __ohr_search_gone AS SELECT project_id FROM __ohr_search_changed "
                f"UNION SELECT project_id FROM search_index WHERE {where} "
                "AND project_id NOT IN (SELECT project_id FROM __ohr_search_rows)", [ids])
    (gone,) = con.execute("SELECT count(*) FROM __ohr_search_gone").fetchone()  # type: ignore[misc]
    if gone:
        con.execute("DELETE FROM search_postings WHERE doc IN (SELECT doc FROM search_index "
                    "WHERE project_id IN (SELECT project_id FROM __ohr_search_gone))")
        con.execute("DELETE FROM search_index WHERE project_id IN (SELECT project_id FROM __ohr_search_gone)")
        (above,) = con.execute("SELECT coalesce(max(doc), 0) FROM search_index").fetchone()  # type: ignore[misc]
        con.execute(_NUMBERED.format(rows="__ohr_search_changed"))
        _index_words(con, above)
    for tmp in ("__ohr_search_rows", "__ohr_search_changed", "__ohr_search_gone"):
        con.execute(f"DROP TABLE {tmp}")


def _sorted_up_to_here(con: duckdb.DuckDBPyConnection) -> None:
    con.execute("UPDATE search_state SET sorted_doc = (SELECT coalesce(max(doc), 0) FROM search_index)")


def compact_search(con: duckdb.DuckDBPyConnection, force: bool = False) -> bool:
    """Sort search_postings by word again when enough rows were rebuilt since the last sort (or when forced).

    Rebuilt rows append their postings, which every search then reads in full; a sorted table lets DuckDB
    skip the row groups of words a search does not match. True when the table was rewritten.
    """
    (rows, unsorted) = con.execute(  # type: ignore[misc]
        "SELECT count(*), count(*) FILTER (WHERE doc > (SELECT max(sorted_doc) FROM search_state)) "
        "FROM search_index").fetchone()
    if not unsorted or (not force and unsorted <= COMPACT_FRACTION * rows):
        return False
    con.execute("CREATE OR REPLACE TEMP TABLE __ohr_postings AS SELECT * FROM search_postings")
    con.execute("DELETE FROM search_postings")
    con.execute("INSERT INTO search_postings SELECT * FROM __ohr_postings ORDER BY word_id, doc")
    con.execute("DROP TABLE __ohr_postings")
    _sorted_up_to_here(con)
    return True
