-- 0009 sorted postings: search_postings is kept in word_id order, so a search that reads the postings of a
-- few words touches only the row groups holding them (DuckDB skips the others by their min/max word_id)
-- instead of the whole table, which at a million projects holds ~90M rows.
--
-- Rows rebuilt since the last sort (crawl batches, curator edits) append their postings at the end.
-- search_state.sorted_doc is the highest search_index.doc whose postings were in the last sort: when the
-- rows above it grow past a tenth of the index, registry/search.py's compact_search rewrites the table in
-- order (after a crawl and after renormalize). Everything here is derived.

CREATE TABLE search_state (
    sorted_doc  BIGINT NOT NULL   -- postings of docs up to this one are in word_id order
);
INSERT INTO search_state VALUES (0);
