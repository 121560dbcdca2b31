-- 0012 repo digests: a digest per project of its `repos` row as last written, so deriving the rows again
-- (`ohr renormalize`, a re-crawl whose repository did not change) writes only the rows that come out
-- different: upserting 50,000 unchanged rows of the wide table cost ~5 s a chunk at a million projects.
-- registry/derive.py (_store_repo_rows) is the only writer of `repos`; anything else that changes a row
-- must delete its digest. A registry upgraded to 0012 has none yet: its next run writes every row once.

CREATE TABLE repo_digests (
    project_id  VARCHAR NOT NULL,   -- repos.project_id
    digest      VARCHAR NOT NULL    -- sha1 of the row's values in registry/derive.py's REPO_COLUMNS order
);
