-- title: Search projects
-- description: Projects whose name, description, category, topics or README contain every term,
--   ranked by where the terms match: name > description > README; then by stars.
-- param: terms = []           list of lower-cased search terms
-- param: category = NULL      heading or category the project is listed under (substring)
-- param: source = NULL        source name that lists the project
-- param: licence = NULL       openness verdict (open, restricted, proprietary, unknown) or licence id prefix
-- param: has_bom = false      only projects with at least one bill of materials
-- param: flag = []            only projects carrying every one of these curator flags ('any': at least one flag)
-- param: no_flag = []         hide projects carrying any of these curator flags ('any': every flagged project)
-- param: lim = 20             maximum rows
WITH scored AS (
    SELECT
        v.*,
        list_sum(list_transform($terms::VARCHAR[], lambda t:
            (CASE WHEN lower(v.name) LIKE '%' || t || '%' THEN 100 ELSE 0 END) +
            (CASE WHEN lower(coalesce(v.description, '')) LIKE '%' || t || '%' THEN 10 ELSE 0 END) +
            (CASE WHEN lower(coalesce(r.readme, '')) LIKE '%' || t || '%' THEN 1 ELSE 0 END))) AS score,
        list_bool_and(list_transform($terms::VARCHAR[], lambda t:
            lower(concat_ws(' ', v.name, v.description, v.category, v.id, array_to_string(v.topics, ' '),
                            r.readme)) LIKE '%' || t || '%')) AS all_match
    FROM v_projects v
    LEFT JOIN repos r ON r.project_id = v.id
)
SELECT id, name, array_to_string(flags, ', ') AS flags, category, hardware_licence, openness, maturity, stars, bom_lines, array_to_string(sources, ', ') AS sources, score
FROM scored
WHERE (len($terms::VARCHAR[]) = 0 OR all_match)
  AND ($category IS NULL OR EXISTS (
        SELECT 1 FROM source_records s
        WHERE s.project_id = scored.id
          AND (s.category ILIKE '%' || $category || '%'
               OR len(list_filter(s.heading_path, lambda h: h ILIKE '%' || $category || '%')) > 0)))
  AND ($source IS NULL OR list_contains(sources, $source))
  AND ($licence IS NULL OR openness = lower($licence)
       OR hardware_licence ILIKE $licence || '%' OR documentation_licence ILIKE $licence || '%'
       OR software_licence ILIKE $licence || '%')
  AND (NOT $has_bom::BOOLEAN OR bom_files > 0)
  AND list_has_all(flags, list_filter($flag::VARCHAR[], lambda k: k <> 'any'))
  AND (NOT list_contains($flag::VARCHAR[], 'any') OR len(flags) > 0)
  AND NOT list_has_any(flags, $no_flag::VARCHAR[])
  AND NOT (list_contains($no_flag::VARCHAR[], 'any') AND len(flags) > 0)
ORDER BY score DESC, stars DESC NULLS LAST, name
LIMIT $lim::INTEGER
