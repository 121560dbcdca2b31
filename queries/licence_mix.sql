-- title: Licence mix by category
-- description: How the designs of each category are licensed: projects per category and licence (SPDX, as
--   normalized and corrected by curators), with the share of the category and the openness verdict.
-- param: scope = hardware   which licence: hardware, documentation or software
WITH chosen AS (
    SELECT coalesce(category, '(no category)') AS category,
           CASE lower($scope)
               WHEN 'hardware' THEN hardware_licence
               WHEN 'documentation' THEN documentation_licence
               WHEN 'software' THEN software_licence
               ELSE error('scope must be hardware, documentation or software')
           END AS licence,
           openness
    FROM v_projects
)
SELECT category,
       coalesce(licence, '(unknown)') AS licence,
       CASE WHEN licence IS NULL THEN NULL ELSE mode(openness) END AS openness,
       count(*) AS projects,
       round(100.0 * count(*) / sum(count(*)) OVER (PARTITION BY category), 1) AS share_pct
FROM chosen
GROUP BY category, licence
ORDER BY category, projects DESC, licence
