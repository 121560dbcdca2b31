-- 0001 init: sources, raw documents, projects, their URLs, source records, GitHub repos, crawl runs.

CREATE TABLE sources (
    name        VARCHAR PRIMARY KEY,
    kind        VARCHAR NOT NULL,
    config      JSON,
    first_run   TIMESTAMP,
    last_run    TIMESTAMP,
    last_status VARCHAR,
    last_error  VARCHAR
);

CREATE TABLE documents (
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
    content       BLOB,
    sha           VARCHAR,
    error         VARCHAR,
    fetched_at    TIMESTAMP NOT NULL,
    changed_at    TIMESTAMP
);

CREATE TABLE projects (
    id             VARCHAR PRIMARY KEY,
    canonical_url  VARCHAR NOT NULL,
    name           VARCHAR,
    description    VARCHAR,
    homepage       VARCHAR,
    category       VARCHAR,
    url_kind       VARCHAR,
    repo_full_name VARCHAR,
    first_seen     TIMESTAMP NOT NULL,
    last_seen      TIMESTAMP NOT NULL
);

CREATE TABLE project_urls (
    url        VARCHAR PRIMARY KEY,
    project_id VARCHAR NOT NULL,
    url_kind   VARCHAR NOT NULL,
    first_seen TIMESTAMP NOT NULL,
    last_seen  TIMESTAMP NOT NULL
);

CREATE TABLE source_records (
    source       VARCHAR NOT NULL,
    record_key   VARCHAR NOT NULL,
    project_id   VARCHAR NOT NULL,
    name         VARCHAR,
    description  VARCHAR,
    urls         VARCHAR[],
    category     VARCHAR,
    heading_path VARCHAR[],
    fields       JSON,
    document_url VARCHAR,
    position     INTEGER,
    first_seen   TIMESTAMP NOT NULL,
    last_seen    TIMESTAMP NOT NULL,
    PRIMARY KEY (source, record_key)
);

CREATE TABLE repos (
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
    readme          VARCHAR,
    error           VARCHAR,
    fetched_at      TIMESTAMP
);

CREATE TABLE crawl_runs (
    run_id         VARCHAR NOT NULL,
    source         VARCHAR NOT NULL,
    started_at     TIMESTAMP NOT NULL,
    finished_at    TIMESTAMP,
    status         VARCHAR NOT NULL,
    items_seen     INTEGER DEFAULT 0,
    items_new      INTEGER DEFAULT 0,
    items_changed  INTEGER DEFAULT 0,
    items_unchanged INTEGER DEFAULT 0,
    items_failed   INTEGER DEFAULT 0,
    items_pending  INTEGER DEFAULT 0,
    requests       INTEGER DEFAULT 0,
    not_modified   INTEGER DEFAULT 0,
    rate_remaining INTEGER,
    message        VARCHAR,
    PRIMARY KEY (run_id, source)
);

CREATE TABLE crawl_errors (
    run_id   VARCHAR NOT NULL,
    source   VARCHAR NOT NULL,
    item     VARCHAR,
    url      VARCHAR,
    kind     VARCHAR NOT NULL,
    message  VARCHAR NOT NULL,
    occurred_at TIMESTAMP NOT NULL
);
