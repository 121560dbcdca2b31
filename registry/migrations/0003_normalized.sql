-- 0003 normalized: licences, maturity, OKH manifests and bills of materials, derived from stored documents;
-- v_projects_crawled joins everything the crawler derived; v_projects is what readers query.

CREATE TABLE licences (
    project_id  VARCHAR NOT NULL,
    scope       VARCHAR NOT NULL,          -- hardware | documentation | software
    expression  VARCHAR,                   -- SPDX expression, or LicenseRef-…
    openness    VARCHAR,                   -- open | restricted | proprietary | unknown
    copyleft    VARCHAR,                   -- permissive | weak | strong
    evidence    VARCHAR,                   -- file path and decisive phrase, or the source field
    source      VARCHAR,                   -- curator | okh | hub | file | readme | api
    confidence  DOUBLE,
    original    VARCHAR,                   -- the text as written, when it was not SPDX
    PRIMARY KEY (project_id, scope)
);

CREATE TABLE maturity (
    project_id        VARCHAR PRIMARY KEY,
    stage             VARCHAR,             -- concept < prototype < tested < production (declared, else derived)
    declared          VARCHAR,
    declared_evidence JSON,
    derived           VARCHAR,
    derived_evidence  JSON,
    state             VARCHAR,             -- certified | archived | inactive
    state_evidence    JSON,
    caveats           JSON,
    medical_caution   BOOLEAN
);

CREATE TABLE manifests (
    project_id        VARCHAR NOT NULL,
    path              VARCHAR NOT NULL,
    format            VARCHAR,             -- okh-v1 | okh-losh
    title             VARCHAR,
    version           VARCHAR,
    licence           JSON,
    licensor          VARCHAR,
    development_stage VARCHAR,
    otrl              VARCHAR,
    odrl              VARCHAR,
    bom               VARCHAR,
    issues            JSON,
    error             VARCHAR,
    PRIMARY KEY (project_id, path)
);

CREATE TABLE bom_files (
    project_id  VARCHAR NOT NULL,
    path        VARCHAR NOT NULL,          -- repository path; README tables as README.md#table-N
    format      VARCHAR,
    line_count  INTEGER,
    error       VARCHAR,                   -- why the file could not be parsed
    issues      JSON,
    cost        JSON,                      -- {"USD": 12.5, …} where unit prices are known
    PRIMARY KEY (project_id, path)
);

CREATE TABLE bom_lines (
    project_id   VARCHAR NOT NULL,
    path         VARCHAR NOT NULL,
    sheet        VARCHAR,
    row          INTEGER,
    quantity     DOUBLE,
    designators  VARCHAR[],
    part         VARCHAR,
    description  VARCHAR,
    manufacturer VARCHAR,
    mpn          VARCHAR,
    supplier     VARCHAR,
    supplier_pn  VARCHAR,
    unit_price   DOUBLE,
    currency     VARCHAR,
    link         VARCHAR
);

DROP VIEW IF EXISTS v_projects;

CREATE VIEW v_projects_crawled AS
SELECT
    p.id,
    p.name,
    p.description,
    p.canonical_url,
    p.homepage,
    p.category,
    p.url_kind,
    p.repo_full_name,
    r.status                                                   AS repo_status,
    r.stars,
    r.forks,
    r.created_at,
    r.pushed_at,
    r.archived,
    r.is_fork,
    r.parent                                                   AS fork_of,
    r.topics,
    r.api_licence,
    lh.expression                                              AS hardware_licence,
    ld.expression                                              AS documentation_licence,
    ls.expression                                              AS software_licence,
    coalesce(lh.openness, ld.openness, ls.openness, 'unknown') AS openness,
    coalesce(lh.copyleft, ld.copyleft, ls.copyleft)            AS copyleft,
    m.stage                                                    AS maturity,
    m.state                                                    AS maturity_state,
    m.medical_caution,
    coalesce(b.files, 0)                                       AS bom_files,
    coalesce(b.lines, 0)                                       AS bom_lines,
    b.cost                                                     AS bom_cost,
    (SELECT list(DISTINCT s.source ORDER BY s.source) FROM source_records s WHERE s.project_id = p.id) AS sources,
    (SELECT list(DISTINCT u.url ORDER BY u.url) FROM project_urls u WHERE u.project_id = p.id)         AS urls,
    p.first_seen,
    p.last_seen
FROM projects p
LEFT JOIN repos r     ON r.project_id = p.id
LEFT JOIN licences lh ON lh.project_id = p.id AND lh.scope = 'hardware'
LEFT JOIN licences ld ON ld.project_id = p.id AND ld.scope = 'documentation'
LEFT JOIN licences ls ON ls.project_id = p.id AND ls.scope = 'software'
LEFT JOIN maturity m  ON m.project_id = p.id
LEFT JOIN (
    SELECT project_id,
           count(*) FILTER (WHERE error IS NULL AND line_count > 0) AS files,
           sum(line_count) FILTER (WHERE error IS NULL)              AS lines,
           NULL::JSON                                                AS cost
    FROM bom_files GROUP BY project_id
) b ON b.project_id = p.id;

CREATE VIEW v_projects AS SELECT * FROM v_projects_crawled;
