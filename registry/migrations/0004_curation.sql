-- 0004 curation: curator flags, field corrections, merge aliases, reviews and the append-only audit log;
-- the crawler's change history (snapshots + changes); v_projects = v_projects_crawled with curation applied.
--
-- Curator tables (flags, corrections, aliases, reviews, audit_log) are written only by registry/curate.py
-- (`ohr flag/set/merge/review …`). Crawler and derive code never touch them, so they survive every re-crawl,
-- renormalize and schema upgrade. project_snapshots/project_changes are written only by registry/changes.py.

CREATE SEQUENCE audit_log_seq START 1;

CREATE TABLE flags (
    project_id VARCHAR NOT NULL,              -- as given by the curator (may later be an alias)
    kind       VARCHAR NOT NULL,              -- verified | unsafe | not-open | dead-link | duplicate | needs-review
                                              -- | medical-claim
    of_project VARCHAR,                       -- duplicate: the project this one duplicates
    note       VARCHAR NOT NULL,
    flagged_by VARCHAR NOT NULL,
    flagged_at TIMESTAMP NOT NULL,
    PRIMARY KEY (project_id, kind)
);

CREATE TABLE corrections (
    project_id VARCHAR NOT NULL,
    field      VARCHAR NOT NULL,              -- a column of v_projects (name, category, hardware_licence, maturity…)
    value      VARCHAR,                       -- as text; NULL clears the field
    note       VARCHAR NOT NULL,
    set_by     VARCHAR NOT NULL,
    set_at     TIMESTAMP NOT NULL,
    PRIMARY KEY (project_id, field)
);

CREATE TABLE aliases (
    alias_id   VARCHAR PRIMARY KEY,           -- the absorbed project id: it now resolves to project_id
    project_id VARCHAR NOT NULL,              -- the project it was merged into (may itself be an alias)
    note       VARCHAR,
    merged_by  VARCHAR NOT NULL,
    merged_at  TIMESTAMP NOT NULL
);

CREATE TABLE reviews (
    project_id  VARCHAR NOT NULL,
    reviewed_by VARCHAR NOT NULL,
    reviewed_at TIMESTAMP NOT NULL,
    note        VARCHAR
);

CREATE TABLE audit_log (
    entry_id   BIGINT PRIMARY KEY DEFAULT nextval('audit_log_seq'),
    acted_at   TIMESTAMP NOT NULL,
    actor      VARCHAR NOT NULL,
    action     VARCHAR NOT NULL,              -- flag | unflag | set | unset | merge | split | review
    project_id VARCHAR NOT NULL,              -- merge/split: the absorbed project
    target     VARCHAR,                       -- flag kind, field name, or (merge/split) the surviving project
    old_value  VARCHAR,
    new_value  VARCHAR,
    note       VARCHAR
);

CREATE TABLE project_snapshots (
    project_id VARCHAR PRIMARY KEY,
    fields     JSON NOT NULL,                 -- tracked field -> value as text, as record_changes last saw it
    taken_at   TIMESTAMP NOT NULL
);

CREATE TABLE project_changes (
    project_id VARCHAR NOT NULL,
    field      VARCHAR NOT NULL,              -- a tracked column of v_projects_crawled, or 'project' (first seen)
    old_value  VARCHAR,
    new_value  VARCHAR,
    changed_at TIMESTAMP NOT NULL,
    run_id     VARCHAR                        -- the crawl run that saw it, or 'renormalize'
);

-- Every merge alias resolved to its final surviving project (merges can chain: a -> b -> c).
CREATE VIEW v_aliases AS
WITH RECURSIVE chain(alias_id, project_id, depth) AS (
    SELECT alias_id, project_id, 1 FROM aliases
    UNION ALL
    SELECT c.alias_id, a.project_id, c.depth + 1
    FROM chain c JOIN aliases a ON a.alias_id = c.project_id
    WHERE c.depth < 32
)
SELECT alias_id, arg_max(project_id, depth) AS project_id FROM chain GROUP BY alias_id;

-- Active flags, with the project they now apply to (the survivor when the flagged id was merged).
CREATE VIEW v_flags AS
SELECT coalesce(a.project_id, f.project_id) AS project_id, f.project_id AS flagged_id, f.kind, f.of_project,
       f.note, f.flagged_by, f.flagged_at
FROM flags f LEFT JOIN v_aliases a ON a.alias_id = f.project_id;

CREATE OR REPLACE VIEW v_projects AS
WITH corr AS (
    SELECT project_id,
           list(field ORDER BY field)                                AS corrected,
           max(value) FILTER (WHERE field = 'name')                  AS name,
           max(value) FILTER (WHERE field = 'description')           AS description,
           max(value) FILTER (WHERE field = 'homepage')              AS homepage,
           max(value) FILTER (WHERE field = 'category')              AS category,
           max(value) FILTER (WHERE field = 'hardware_licence')      AS hardware_licence,
           max(value) FILTER (WHERE field = 'documentation_licence') AS documentation_licence,
           max(value) FILTER (WHERE field = 'software_licence')      AS software_licence,
           max(value) FILTER (WHERE field = 'openness')              AS openness,
           max(value) FILTER (WHERE field = 'copyleft')              AS copyleft,
           max(value) FILTER (WHERE field = 'maturity')              AS maturity,
           max(value) FILTER (WHERE field = 'maturity_state')        AS maturity_state,
           max(value) FILTER (WHERE field = 'medical_caution')       AS medical_caution
    FROM corrections GROUP BY project_id
),
fl AS (
    SELECT project_id, list(DISTINCT kind ORDER BY kind) AS flags FROM v_flags GROUP BY project_id
),
mg AS (
    SELECT project_id, list(alias_id ORDER BY alias_id) AS merged_ids FROM v_aliases GROUP BY project_id
),
-- a surviving project lists the sources and URLs of everything merged into it (a join, not a correlated
-- subquery with OR: that one is a nested loop over every project and source record)
members AS (
    SELECT project_id, project_id AS member FROM mg
    UNION ALL
    SELECT project_id, alias_id FROM v_aliases
),
ms AS (
    SELECT m.project_id, list(DISTINCT s.source ORDER BY s.source) AS sources
    FROM members m JOIN source_records s ON s.project_id = m.member GROUP BY m.project_id
),
mu AS (
    SELECT m.project_id, list(DISTINCT u.url ORDER BY u.url) AS urls
    FROM members m JOIN project_urls u ON u.project_id = m.member GROUP BY m.project_id
),
bc AS (
    SELECT project_id, json_group_object(currency, amount) AS cost
    FROM (
        SELECT f.project_id, k.currency, sum(TRY_CAST(f.cost ->> k.currency AS DOUBLE)) AS amount
        FROM bom_files f, unnest(json_keys(f.cost)) AS k(currency)
        WHERE f.error IS NULL AND f.cost IS NOT NULL
        GROUP BY ALL
    )
    GROUP BY project_id
)
SELECT
    c.* REPLACE (
        CASE WHEN list_contains(k.corrected, 'name') THEN k.name ELSE c.name END                   AS name,
        CASE WHEN list_contains(k.corrected, 'description') THEN k.description
             ELSE c.description END                                                                AS description,
        CASE WHEN list_contains(k.corrected, 'homepage') THEN k.homepage ELSE c.homepage END       AS homepage,
        CASE WHEN list_contains(k.corrected, 'category') THEN k.category ELSE c.category END       AS category,
        CASE WHEN list_contains(k.corrected, 'hardware_licence') THEN k.hardware_licence
             ELSE c.hardware_licence END                                                           AS hardware_licence,
        CASE WHEN list_contains(k.corrected, 'documentation_licence') THEN k.documentation_licence
             ELSE c.documentation_licence END                                                      AS documentation_licence,
        CASE WHEN list_contains(k.corrected, 'software_licence') THEN k.software_licence
             ELSE c.software_licence END                                                           AS software_licence,
        CASE WHEN list_contains(k.corrected, 'openness') THEN coalesce(k.openness, 'unknown')
             ELSE c.openness END                                                                   AS openness,
        CASE WHEN list_contains(k.corrected, 'copyleft') THEN k.copyleft ELSE c.copyleft END       AS copyleft,
        CASE WHEN list_contains(k.corrected, 'maturity') THEN k.maturity ELSE c.maturity END       AS maturity,
        CASE WHEN list_contains(k.corrected, 'maturity_state') THEN k.maturity_state
             ELSE c.maturity_state END                                                             AS maturity_state,
        CASE WHEN list_contains(k.corrected, 'medical_caution') THEN TRY_CAST(k.medical_caution AS BOOLEAN)
             ELSE c.medical_caution END                                                            AS medical_caution,
        coalesce(c.bom_cost, bc.cost)                                                              AS bom_cost,
        CASE WHEN mg.merged_ids IS NULL THEN c.sources ELSE ms.sources END                        AS sources,
        CASE WHEN mg.merged_ids IS NULL THEN c.urls ELSE mu.urls END                               AS urls
    ),
    coalesce(fl.flags, []::VARCHAR[])                       AS flags,
    coalesce(list_contains(fl.flags, 'unsafe'), false)      AS unsafe,
    coalesce(k.corrected, []::VARCHAR[])                    AS corrected,
    coalesce(mg.merged_ids, []::VARCHAR[])                  AS merged_ids
FROM v_projects_crawled c
LEFT JOIN corr k ON k.project_id = c.id
LEFT JOIN fl     ON fl.project_id = c.id
LEFT JOIN mg     ON mg.project_id = c.id
LEFT JOIN bc     ON bc.project_id = c.id
LEFT JOIN ms     ON ms.project_id = c.id
LEFT JOIN mu     ON mu.project_id = c.id
WHERE c.id NOT IN (SELECT alias_id FROM aliases);
