-- 0018 drop two digests that did not earn their place (issue 16: an optimization stays only if a bench run
-- shows it gains 20 % end to end). `repo_digests` (0012) let a re-derive skip writing unchanged `repos` rows:
-- ~40 s of a 550 s renormalize at a million projects (~7 %). `search_index.readme_md5` (0013) let a rebuilt
-- search row reuse its stored README words: ~20 s of the same run (~4 %). docs/scaling.md has the figures.
-- Every `repos` row is now upserted as derived, and every rebuilt search row splits its README head again;
-- the stored rows are the same (bench/registry_digest.py). No view reads either, and neither is indexed.

DROP TABLE IF EXISTS repo_digests;
ALTER TABLE search_index DROP COLUMN IF EXISTS readme_md5;
