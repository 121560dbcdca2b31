"""Keep `search_index` in step with v_projects, so `ohr search` scans one narrow table instead of every README.

A project's row is rebuilt whenever its fields are (derive.refresh_projects, from crawl batches and
renormalize) and when a curator changes it (registry/curate.py). The README counts by the distinct words
of its first SEARCH_README_CHARS characters: a term is matched as a substring of a word, so distinct
words give the same answer as the full text for any term without whitespace, at a fraction of the bytes.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import duckdb

__all__ = ["SEARCH_README_CHARS", "refresh_search"]

#: How much of a README the search reads (title, badges, summary and usually the first sections).
SEARCH_README_CHARS = 4000

_ROWS_SQL = f"""
INSERT INTO search_index
SELECT v.id,
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
       v.name, v.category, v.hardware_licence, v.maturity, v.stars, v.bom_lines
FROM v_projects v
LEFT JOIN repos r ON r.project_id = v.id
LEFT JOIN (
    SELECT project_id, lower(string_agg(DISTINCT h, chr(31) ORDER BY h)) AS categories
    FROM (SELECT project_id, unnest(list_append(coalesce(heading_path, []), category)) AS h
          FROM source_records WHERE {{records}})
    WHERE h IS NOT NULL
    GROUP BY project_id
) c ON c.project_id = v.id
WHERE {{projects}}
"""


def refresh_search(con: duckdb.DuckDBPyConnection, project_ids: Iterable[str] | None = None) -> None:
    """Rebuild the search rows of the given projects (all when None) from v_projects and their README."""
    if project_ids is None:
        con.execute("DELETE FROM search_index")
        con.execute(_ROWS_SQL.format(records="TRUE", projects="TRUE"))
        return
    ids = sorted(set(project_ids))
    if not ids:
        return
    where = "project_id IN (SELECT UNNEST($1::VARCHAR[]))"
    con.execute(f"DELETE FROM search_index WHERE {where}", [ids])
    con.execute(_ROWS_SQL.format(records=where, projects="v.id IN (SELECT UNNEST($1::VARCHAR[]))"), [ids])
