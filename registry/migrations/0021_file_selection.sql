-- 0021 file selection: per repository, the digest of the file-selection rules (registry.normalized.wanted_rules)
-- its files were last picked by. When a new ohr picks other files from the same tree (a new BOM or schematic
-- format), a re-crawl fetches the files now wanted from the stored tree, without waiting for a push.
CREATE TABLE IF NOT EXISTS file_selection (
    project_id  VARCHAR PRIMARY KEY,
    rules       VARCHAR NOT NULL,
    selected_at TIMESTAMP NOT NULL
);
