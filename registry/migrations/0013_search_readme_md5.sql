-- 0013 search README digest: each search_index row remembers an md5 of the README head its words came from,
-- so rebuilding a project's search row (every crawl batch and renormalize chunk rebuilds its projects' rows)
-- splits, de-duplicates and sorts the README's words only when that head changed. Those list operations were
-- ~90 % of the time spent building search rows (4.4 of 4.8 s for 30,000 GitHub projects at 100k).
-- Filled here from the stored READMEs, which the stored rows were built from (every write of `repos` is
-- followed by a refresh of the project's search row). Derived: `ohr renormalize` rebuilds it.

ALTER TABLE search_index ADD COLUMN readme_md5 UHUGEINT;
UPDATE search_index SET readme_md5 = md5_number(coalesce(left(r.readme, 4000), ''))
FROM repos r WHERE r.project_id = search_index.project_id;
UPDATE search_index SET readme_md5 = md5_number('') WHERE readme_md5 IS NULL;
