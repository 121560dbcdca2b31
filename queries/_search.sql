-- title: Search projects
-- description: Projects whose name, description, category, topics or README contain every term,
--   ranked by where the terms match: name > description > README; then by stars.
--   Reads search_index (registry/search.py): the README counts by the words of its head; terms and the
--   category and licence filters match literally (no LIKE wildcards), case-insensitively.
--   With `words`, each term's matching words (queries/search_plan.py matches the terms against the distinct
--   words of those texts, search_vocab) give the rows, and the fields holding them, from search_postings
--   (migration 0008): no text is read. A term has no whitespace, so it is inside a text exactly when it is
--   inside one of its words: both ways give the same rows, scores and order (tests/test_search_index.py
--   compares them). search_plan passes no words, so the text is scanned, when there are no terms or a
--   term is inside most words (say, 'e'); with terms, it first scans only `docs`, the rows best placed by a
--   bound on their score, and scans all only if that cannot settle the top `lim` (queries/search_plan.py).
-- param: terms = []           list of lower-cased search terms
-- param: words = []           per term, the search_vocab ids of the words containing it; [] scans the text
-- param: category = NULL      heading or category the project is listed under (substring)
-- param: source = NULL        source name that lists the project
-- param: licence = NULL       openness verdict (open, restricted, proprietary, unknown) or licence id prefix;
--   'open' leaves out projects a curator flagged not-open
-- param: has_bom = false      only projects with at least one bill of materials
-- param: maturity = NULL      only projects at least this far on concept < prototype < tested < production
-- param: flag = []            only projects carrying every one of these curator flags ('any': at least one flag)
-- param: no_flag = []         hide projects carrying any of these curator flags ('any': every flagged project)
-- param: lim = 20             maximum rows
-- param: docs = NULL          scanning: only these search_index rows (search_plan's probe of the best-placed rows); NULL: all
WITH words AS (   -- postings are kept sorted by word_id (registry/search.py), so few row groups are read
    SELECT w.i, unnest(w.ids) AS word_id
    FROM (SELECT unnest($words::INTEGER[][]) AS ids, generate_subscripts($words::INTEGER[][], 1) AS i) w
),
hits AS (   -- per term and row: the fields holding a word that contains the term
    SELECT w.i, p.doc, bit_or(p.fields) AS fields
    FROM search_postings p JOIN words w ON w.word_id = p.word_id
    GROUP BY w.i, p.doc
),
matched AS (   -- rows holding every term; 100 per term in the name, 10 in the description, 1 in the README
    SELECT doc, sum((CASE WHEN fields & 1 <> 0 THEN 100 ELSE 0 END) + (CASE WHEN fields & 2 <> 0 THEN 10 ELSE 0 END)
                    + (CASE WHEN fields & 4 <> 0 THEN 1 ELSE 0 END)) AS score
    FROM hits
    GROUP BY doc
    HAVING count(*) = len($terms::VARCHAR[])
),
fl AS (
    SELECT project_id, list(DISTINCT kind ORDER BY kind) AS flags FROM v_flags GROUP BY project_id
),
candidates AS (   -- rows holding every term, with their scores: from the word index, or by scanning the text
    SELECT s.*, m.score FROM matched m JOIN search_index s ON s.doc = m.doc
    UNION ALL BY NAME
    SELECT s.*, list_sum(list_transform($terms::VARCHAR[], lambda t:
            (CASE WHEN contains(s.name_lc, t) THEN 100 ELSE 0 END) +
            (CASE WHEN contains(s.description_lc, t) THEN 10 ELSE 0 END) +
            (CASE WHEN contains(s.readme_lc, t) THEN 1 ELSE 0 END))) AS score
    FROM search_index s
    WHERE len($words::INTEGER[][]) = 0 AND ($docs IS NULL OR s.doc IN (SELECT unnest($docs::BIGINT[])))
      AND (len($terms::VARCHAR[]) = 0 OR list_bool_and(list_transform($terms::VARCHAR[], lambda t:
               contains(s.name_lc, t) OR contains(s.description_lc, t) OR contains(s.other_lc, t)
               OR contains(s.readme_lc, t))))
),
scored AS (
    SELECT s.*, coalesce(fl.flags, []::VARCHAR[]) AS flags
    FROM candidates s
    LEFT JOIN fl ON fl.project_id = s.project_id
    WHERE ($category IS NULL OR contains(s.categories_lc, lower($category)))
      AND ($source IS NULL OR list_contains(s.sources, $source))
      AND ($licence IS NULL OR s.openness = lower($licence)
           OR list_bool_or(list_transform(s.licences_lc, lambda x: starts_with(x, lower($licence)))))
      -- a curator's not-open flag overrules an open verdict
      AND NOT (coalesce(lower($licence) = 'open', false) AND list_contains(coalesce(fl.flags, []::VARCHAR[]), 'not-open'))
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
