-- title: Maturity by category
-- description: How far the designs of each category have come: projects per category and maturity stage
--   (concept < prototype < tested < production, as derived or corrected by curators; '(unknown)' when no
--   evidence was found), with the share of the category.
WITH chosen AS (
    SELECT coalesce(category, '(no category)') AS category, coalesce(maturity, '(unknown)') AS maturity
    FROM v_projects
)
SELECT category, maturity, count(*) AS projects,
       round(100.0 * count(*) / sum(count(*)) OVER (PARTITION BY category), 1) AS share_pct
FROM chosen
GROUP BY category, maturity
ORDER BY category, list_position(['concept', 'prototype', 'tested', 'production', '(unknown)'], maturity)
