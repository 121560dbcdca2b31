-- 0002 views: v_projects, the resolved project row analysts and the CLI read.

CREATE OR REPLACE VIEW v_projects AS
SELECT
    p.id,
    p.name,
    p.description,
    p.canonical_url,
    p.homepage,
    p.category,
    p.url_kind,
    p.repo_full_name,
    r.status                                     AS repo_status,
    r.stars,
    r.forks,
    r.created_at,
    r.pushed_at,
    r.archived,
    r.is_fork,
    r.topics,
    r.api_licence                                AS licence,
    len(list_filter(coalesce(r.tree_paths, []),
        lambda x: regexp_matches(x, '(?i)(^|/)[^/]*(bom|bill.?of.?materials|parts.?list)[^/]*\.(csv|tsv|xlsx|xls|ods|md|txt|html)$')
    ))                                           AS bom_files,
    (SELECT list(DISTINCT s.source ORDER BY s.source) FROM source_records s WHERE s.project_id = p.id) AS sources,
    (SELECT list(DISTINCT u.url ORDER BY u.url) FROM project_urls u WHERE u.project_id = p.id)         AS urls,
    p.first_seen,
    p.last_seen
FROM projects p
LEFT JOIN repos r ON r.project_id = p.id;
