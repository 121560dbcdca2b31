-- title: Inactive projects
-- description: Projects nobody has pushed to for a long time, archived repositories, and projects whose
--   maturity state is archived or inactive — check before building on them.
-- param: days = 730     no push for at least this many days
-- param: as_of = NULL   count days up to this date (default: today)
WITH t AS (SELECT coalesce($as_of::TIMESTAMP, now()::TIMESTAMP) AS as_of)
SELECT v.id, v.name, array_to_string(v.flags, ', ') AS flags, v.category,
       v.pushed_at::DATE AS last_push,
       date_diff('day', v.pushed_at, t.as_of) AS days_since_push,
       concat_ws('; ',
                 CASE WHEN v.archived THEN 'archived on GitHub' END,
                 CASE WHEN v.maturity_state IN ('archived', 'inactive') THEN 'maturity state ' || v.maturity_state END,
                 CASE WHEN v.pushed_at < t.as_of - to_days($days::INTEGER)
                      THEN 'no push for ' || date_diff('day', v.pushed_at, t.as_of) || ' days' END) AS why,
       v.repo_status, v.stars
FROM v_projects v, t
WHERE v.archived
   OR v.maturity_state IN ('archived', 'inactive')
   OR v.pushed_at < t.as_of - to_days($days::INTEGER)
ORDER BY v.pushed_at NULLS LAST, v.id
