-- title: Projects over time
-- description: Projects per year they are first dated — the GitHub repository's creation, else when a crawl
--   first saw the project — and the running total: how the registry's designs accumulated.
WITH dated AS (
    SELECT year(coalesce(created_at, first_seen)) AS year,
           CASE WHEN created_at IS NOT NULL THEN 'repository created' ELSE 'first seen' END AS dated_by
    FROM v_projects
)
SELECT year, count(*) AS projects,
       count(*) FILTER (WHERE dated_by = 'repository created') AS by_repository,
       sum(count(*)) OVER (ORDER BY year) AS running_total
FROM dated
WHERE year IS NOT NULL
GROUP BY year
ORDER BY year
