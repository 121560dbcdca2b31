-- 0016 normalized inputs: a digest per project of what its normalizers last read (repository paths, README,
-- API licence, archived flag, push date, file contents, source records), so a crawl batch does not run the
-- normalizers again on a project whose inputs did not change (an unchanged re-crawl re-stores every list
-- record, which touches every project). Skipped only while the project's normalized_digests row is there:
-- anything that changes the normalized rows deletes that row (0010), and the project is derived again.
-- `ohr renormalize` runs the normalizers whatever this says (their code may have changed).

CREATE TABLE normalized_inputs (
    project_id  VARCHAR NOT NULL,   -- projects.id
    digest      VARCHAR NOT NULL    -- sha1 of the project's normalizer inputs (registry/normalized.py input_digest)
);

-- What a run spent through GraphQL (issue 15): queries sent, points they cost (rateLimit.cost), and raw
-- downloads (free of points). `requests` stays the REST API's.
ALTER TABLE crawl_runs ADD COLUMN graphql_queries INTEGER;
ALTER TABLE crawl_runs ADD COLUMN graphql_points INTEGER;
ALTER TABLE crawl_runs ADD COLUMN raw_requests INTEGER;
