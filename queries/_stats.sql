-- title: Registry statistics
-- description: One row per measure: projects, by URL kind and source, repositories by status, documents, and the
--   problems recorded by each source's latest run (older runs' problems: `ohr runs --errors`).
SELECT 'projects' AS measure, NULL AS "group", count(*) AS n FROM projects
UNION ALL
SELECT 'projects by kind', url_kind, count(*) FROM projects GROUP BY url_kind
UNION ALL
SELECT 'projects by source', source, count(DISTINCT project_id) FROM source_records GROUP BY source
UNION ALL
SELECT 'repositories by status', status, count(*) FROM repos GROUP BY status
UNION ALL
SELECT 'documents by kind', doc_kind, count(*) FROM documents GROUP BY doc_kind
UNION ALL
SELECT 'problems of the last runs', kind, count(*) FROM crawl_errors
WHERE (source, run_id) IN (SELECT source, arg_max(run_id, started_at) FROM crawl_runs GROUP BY source)
GROUP BY kind
ORDER BY 1, 3 DESC, 2
