-- title: Dead links
-- description: Projects whose links no longer lead to the design: repositories that are gone (404) or
--   could not be fetched, repositories that moved (the list links the old name), web pages answering
--   404/410, and projects a curator flagged dead-link.
-- param: moved = true   also list repositories that moved to a new name
WITH gone_at AS (
    SELECT project_id, max(changed_at) AS at FROM project_changes
    WHERE field = 'repo_status' GROUP BY project_id
),
problems AS (
    SELECT r.project_id AS id, 'https://github.com/' || r.full_name AS url,
           CASE r.status WHEN 'gone' THEN 'repository gone (404)'
                         ELSE 'repository could not be fetched: ' || coalesce(r.error, 'unknown error') END
               AS problem,
           coalesce(g.at, r.fetched_at) AS since
    FROM repos r LEFT JOIN gone_at g ON g.project_id = r.project_id
    WHERE r.status IN ('gone', 'error')
    UNION ALL
    SELECT r.project_id, 'https://github.com/' || r.full_name, 'repository moved to ' || r.moved_to,
           coalesce(g.at, r.fetched_at)
    FROM repos r LEFT JOIN gone_at g ON g.project_id = r.project_id
    WHERE r.status = 'moved' AND $moved::BOOLEAN
    UNION ALL
    SELECT d.project_id, d.url, 'HTTP ' || d.status, d.fetched_at
    FROM documents d
    WHERE d.status IN (404, 410) AND d.project_id IS NOT NULL
      AND d.doc_kind NOT IN ('repo', 'tree', 'readme', 'file', 'list')
    UNION ALL
    SELECT f.project_id, NULL, 'flagged dead-link by ' || f.flagged_by || ': ' || f.note, f.flagged_at
    FROM v_flags f WHERE f.kind = 'dead-link'
)
SELECT v.id, v.name, array_to_string(v.flags, ', ') AS flags, p.url, p.problem, p.since
FROM problems p
LEFT JOIN v_aliases a ON a.alias_id = p.id
JOIN v_projects v ON v.id = coalesce(a.project_id, p.id)
ORDER BY p.since DESC NULLS LAST, v.id, p.problem
