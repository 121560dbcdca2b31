-- 0005 search: a search table `ohr search` scans instead of v_projects + README, and zstd for raw content.
--
-- search_index holds, per project, the lower-cased text search matches (name, description, category/id/topics,
-- the distinct words of the README's head) and the columns it filters, ranks and shows; registry/search.py
-- rebuilds a project's row whenever refresh_projects runs for it (crawl batches, renormalize) and when a
-- curator changes it. It is derived: dropping its rows and re-running `ohr renormalize` rebuilds it.
--
-- Raw document content and README text are recreated with zstd compression: DuckDB's default analysis picks
-- dictionary+FSST for them, which costs ~10x more time at checkpoint for a worse ratio on JSON and prose.

CREATE TABLE documents_0005 (
    url           VARCHAR PRIMARY KEY,
    source        VARCHAR,
    project_id    VARCHAR,
    doc_kind      VARCHAR NOT NULL,
    path          VARCHAR,
    status        INTEGER,
    etag          VARCHAR,
    last_modified VARCHAR,
    content_type  VARCHAR,
    size          BIGINT,
    content       BLOB USING COMPRESSION zstd,
    sha           VARCHAR,
    error         VARCHAR,
    fetched_at    TIMESTAMP NOT NULL,
    changed_at    TIMESTAMP
);
INSERT INTO documents_0005 SELECT * FROM documents;
DROP TABLE documents;
ALTER TABLE documents_0005 RENAME TO documents;

CREATE TABLE repos_0005 (
    project_id      VARCHAR PRIMARY KEY,
    host            VARCHAR NOT NULL,
    full_name       VARCHAR NOT NULL,
    status          VARCHAR NOT NULL,
    moved_to        VARCHAR,
    description     VARCHAR,
    homepage        VARCHAR,
    topics          VARCHAR[],
    language        VARCHAR,
    stars           INTEGER,
    forks           INTEGER,
    created_at      TIMESTAMP,
    pushed_at       TIMESTAMP,
    archived        BOOLEAN,
    is_fork         BOOLEAN,
    parent          VARCHAR,
    default_branch  VARCHAR,
    api_licence     VARCHAR,
    tree_paths      VARCHAR[],
    tree_truncated  BOOLEAN,
    readme_path     VARCHAR,
    readme          VARCHAR USING COMPRESSION zstd,
    error           VARCHAR,
    fetched_at      TIMESTAMP
);
INSERT INTO repos_0005 SELECT * FROM repos;
DROP TABLE repos;
ALTER TABLE repos_0005 RENAME TO repos;

CREATE TABLE search_index (
    project_id       VARCHAR NOT NULL,
    name_lc          VARCHAR NOT NULL,     -- lower(name)                      score 100 per term
    description_lc   VARCHAR NOT NULL,     -- lower(description)               score 10 per term
    readme_lc        VARCHAR NOT NULL,     -- distinct lower-case words of the README's head   score 1 per term
    other_lc         VARCHAR NOT NULL,     -- lower(category, id, topics)      matches, no score
    categories_lc    VARCHAR NOT NULL,     -- categories and headings of its source records, chr(31)-separated
    sources          VARCHAR[] NOT NULL,
    licences_lc      VARCHAR[] NOT NULL,   -- hardware, documentation, software licence expressions
    openness         VARCHAR,
    bom_files        INTEGER,
    -- shown in the result
    name             VARCHAR,
    category         VARCHAR,
    hardware_licence VARCHAR,
    maturity         VARCHAR,
    stars            INTEGER,
    bom_lines        BIGINT
);

-- Fill it for a registry that already holds projects (the same rows registry/search.py refresh_search builds;
-- tests/test_search_index.py checks the two agree).
INSERT INTO search_index
SELECT v.id,
       lower(coalesce(v.name, '')),
       lower(coalesce(v.description, '')),
       coalesce(array_to_string(list_sort(list_distinct(
           string_split_regex(lower(left(r.readme, 4000)), '\s+'))), ' '), ''),
       lower(concat_ws(' ', v.category, v.id, array_to_string(v.topics, ' '))),
       coalesce(c.categories, ''),
       coalesce(v.sources, []::VARCHAR[]),
       list_filter([lower(v.hardware_licence), lower(v.documentation_licence), lower(v.software_licence)],
                   lambda x: x IS NOT NULL),
       v.openness, v.bom_files,
       v.name, v.category, v.hardware_licence, v.maturity, v.stars, v.bom_lines
FROM v_projects v
LEFT JOIN repos r ON r.project_id = v.id
LEFT JOIN (
    SELECT project_id, lower(string_agg(DISTINCT h, chr(31) ORDER BY h)) AS categories
    FROM (SELECT project_id, unnest(list_append(coalesce(heading_path, []), category)) AS h FROM source_records)
    WHERE h IS NOT NULL
    GROUP BY project_id
) c ON c.project_id = v.id;
