-- title: Search projects (by scanning their text)
-- description: Projects whose name, description, category, topics or README contain every term,
--   ranked by where the terms match: name > description > README; then by stars.
--   Reads search_index (registry/search.py): the README counts by the words of its head; terms and the
--   category and licence filters match literally (no LIKE wildcards), case-insensitively.
--   Gives the same rows as _search.sql, which reads the word index instead; queries/search_plan.py runs
--   this one when there are no terms or a term is too short to narrow the vocabulary (say, 'e').
-- param: terms = []           list of lower-cased search terms
-- param: category = NULL      heading or category the project is listed under (substring)
-- param: source = NULL        source name that lists the project
-- param: licence = NULL       openness verdict (open, restricted, proprietary, unknown) or licence id prefix
-- param: has_bom = false      only projects with at least one bill of materials
-- param: maturity = NULL      only projects at least this far on concept < prototype < tested < production
-- param: flag = []            only projects carrying every one of these curator flags ('any': at least one flag)
-- param: no_flag = []         hide projects carrying any of these curator flags ('any': every flagged project)
-- param: lim = 20             maximum rows
WITH fl AS (
    SELECT project_id, list(DISTINCT kind ORDER BY kind) AS flags FROM v_flags GROUP BY project_id
),
scored AS (
    SELECT
        s.*,
        coalesce(fl.flags, []::VARCHAR[]) AS flags,
        list_sum(list_transform($terms::VARCHAR[], lambda t:
            (CASE WHEN contains(s.name_lc, t) THEN 100 ELSE 0 END) +
            (CASE WHEN contains(s.description_lc, t) THEN 10 ELSE 0 END) +
            (CASE WHEN contains(s.readme_lc, t) THEN 1 ELSE 0 END))) AS score
    FROM search_index s
    LEFT JOIN fl ON fl.project_id = s.project_id
    WHERE (len($terms::VARCHAR[]) = 0 OR list_bool_and(list_transform($terms::VARCHAR[], lambda t:
               contains(s.name_lc, t) OR contains(s.description_lc, t) OR contains(s.other_lc, t)
               OR contains(s.readme_lc, t))))
      AND ($category IS NULL OR contains(s.categories_lc, lower($category)))
      AND ($source IS NULL OR list_contains(s.sources, $source))
      AND ($licence IS NULL OR s.openness = lower($licence)
           OR list_bool_or(list_transform(s.licences_lc, lambda x: starts_with(x, lower($licence)))))
      AND (NOT $has_bom::BOOLEAN OR s.bom_files > 0)
      AND ($maturity IS NULL OR list_position(['concept', 'prototype', 'tested', 'production'], s.maturity)
                                >= list_position(['concept', 'prototype', 'tested', 'production'], lower($maturity)))
)
SELECT project_id AS id, name, array_to_string(flags, ', ') AS flags, category, hardware_licence, openness, maturity,
       stars, bom_lines, array_to_string(sources, ', ') AS sources, score
FROM scored
WHERE list_has_all(flags, list_filter($flag::VARCHAR[], lambda k: k <> 'any'))
  AND (NOT list_contains($flag::VARCHAR[], 'any') OR len(flags) > 0)
  AND NOT list_has_any(flags, $no_flag::VARCHAR[])
  AND NOT (list_contains($no_flag::VARCHAR[], 'any') AND len(flags) > 0)
ORDER BY score DESC, stars DESC NULLS LAST, name
LIMIT $lim::INTEGER
