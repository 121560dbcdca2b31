-- title: Buildable designs
-- description: Designs you may build and that are documented well enough to try: an open hardware licence,
--   at least one parsed bill of materials, and a maturity of tested or better. Projects a curator flagged
--   not-open are left out; unsafe ones stay listed, first marked in `flags`, and sort last.
-- param: min_maturity = tested   lowest maturity: concept, prototype, tested or production
-- param: category = NULL         only projects whose category contains this text
WITH stages AS (SELECT ['concept', 'prototype', 'tested', 'production'] AS s)
SELECT v.id, v.name, array_to_string(v.flags, ', ') AS flags, v.category, v.hardware_licence, v.maturity,
       v.maturity_state, v.bom_files, v.bom_lines, v.stars, v.canonical_url
FROM v_projects v, stages
WHERE (list_position(stages.s, lower($min_maturity)) IS NOT NULL
       OR error('min_maturity must be concept, prototype, tested or production'))
  AND v.openness = 'open'
  AND v.hardware_licence IS NOT NULL
  AND v.bom_files > 0
  AND list_position(stages.s, v.maturity) >= list_position(stages.s, lower($min_maturity))
  AND NOT list_contains(v.flags, 'not-open')
  AND ($category IS NULL OR v.category ILIKE '%' || $category || '%')
ORDER BY v.unsafe, list_position(stages.s, v.maturity) DESC, v.stars DESC NULLS LAST, v.name
