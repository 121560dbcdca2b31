-- 0014 project links: every link a list entry gives its project, with its kind (repo, homepage, hub, files, docs,
-- paper, video, press, social, profile), the label written in front of it and the source record it came from.
-- Press, video, social and profile links live only here: they never name a project nor join one (project_urls).
-- Filled by crawls and `ohr renormalize` (which also folds the projects older parsers made of such links into
-- their entry's project).

CREATE TABLE project_links (
    project_id VARCHAR NOT NULL,
    source     VARCHAR NOT NULL,
    record_key VARCHAR NOT NULL,
    url        VARCHAR NOT NULL,
    kind       VARCHAR NOT NULL,
    label      VARCHAR,
    field      VARCHAR,
    nested     BOOLEAN NOT NULL DEFAULT false,
    position   INTEGER NOT NULL,
    first_seen TIMESTAMP NOT NULL
);
