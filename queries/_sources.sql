-- title: Sources
-- description: Every configured source (and any the registry still holds records of) with its last run,
--   what that run counted, the problems it recorded, and how many projects the source lists in all.
-- param: names = []    configured source names, in config order
-- param: kinds = []    their kinds
WITH cfg AS (
    SELECT UNNEST($names::VARCHAR[]) AS name, UNNEST($kinds::VARCHAR[]) AS kind,
           generate_subscripts($names::VARCHAR[], 1) AS pos
),
last AS (
    SELECT source, arg_max(run_id, started_at) AS run_id FROM crawl_runs GROUP BY source
),
listed AS (
    SELECT source, count(DISTINCT project_id) AS projects FROM source_records GROUP BY source
)
SELECT coalesce(c.name, s.name)                AS source,
       coalesce(c.kind, s.kind)                AS kind,
       c.name IS NOT NULL                      AS configured,
       r.started_at                            AS last_run,
       r.status                                AS last_status,
       r.items_seen                            AS seen,
       r.items_new                             AS new,
       r.items_changed                         AS changed,
       r.items_failed                          AS failed,
       r.items_pending                         AS pending,
       (SELECT count(*) FROM crawl_errors e WHERE e.run_id = r.run_id AND e.source = r.source
                AND e.kind <> 'no-primary-link') AS errors,  -- a curator's note is not an error
       coalesce(l.projects, 0)                 AS projects,
       s.last_error
FROM cfg c
FULL OUTER JOIN sources s ON s.name = c.name
LEFT JOIN last x          ON x.source = coalesce(c.name, s.name)
LEFT JOIN crawl_runs r    ON r.run_id = x.run_id AND r.source = x.source
LEFT JOIN listed l        ON l.source = coalesce(c.name, s.name)
ORDER BY c.pos NULLS LAST, source
