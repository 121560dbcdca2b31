-- title: What changed recently
-- description: Everything that changed in the last N days, newest first: what the crawler saw (licence,
--   maturity, BOM, stars, pushed date, link status, first seen) and what curators did (flags, corrections,
--   merges, reviews).
-- param: days = 7        look back this many days
-- param: field = NULL    only this field or action (e.g. hardware_licence, stars, repo_status, flag)
-- param: as_of = NULL    end of the window (default: now)
WITH t AS (SELECT coalesce($as_of::TIMESTAMP, now()::TIMESTAMP) AS as_of),
events AS (
    SELECT c.changed_at AS at, c.project_id, 'crawler' AS who,
           CASE c.field WHEN 'project' THEN 'first seen' ELSE c.field END AS field, c.old_value, c.new_value
    FROM project_changes c
    UNION ALL
    SELECT l.acted_at, l.project_id, l.actor, l.action || coalesce(' ' || l.target, ''), l.old_value, l.new_value
    FROM audit_log l
)
SELECT e.at, v.id, v.name, array_to_string(v.flags, ', ') AS flags, e.who, e.field, e.old_value, e.new_value
FROM events e
CROSS JOIN t
LEFT JOIN v_aliases a ON a.alias_id = e.project_id
JOIN v_projects v ON v.id = coalesce(a.project_id, e.project_id)
WHERE e.at > t.as_of - to_days($days::INTEGER) AND e.at <= t.as_of
  AND ($field IS NULL OR e.field = $field OR split_part(e.field, ' ', 1) = $field)
ORDER BY e.at DESC, v.id, e.field
