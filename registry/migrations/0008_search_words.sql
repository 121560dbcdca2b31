-- 0008 search words: a word index beside search_index, so a free-text `ohr search` reads a vocabulary and
-- the postings of the words that contain its terms instead of scanning every project's text.
--
-- A term (no whitespace) is a substring of a lower-cased field exactly when it is a substring of one of the
-- field's whitespace-separated words, so matching terms against the distinct words and reading which
-- projects hold those words (and in which fields) gives the same rows and scores as scanning the text.
-- search_index.doc numbers a search row; a rebuilt row gets a new number and its old postings are deleted
-- (registry/search.py). Everything here is derived: `ohr renormalize` rebuilds it.

ALTER TABLE search_index ADD COLUMN doc BIGINT;
UPDATE search_index SET doc = n.doc
FROM (SELECT project_id, row_number() OVER (ORDER BY project_id) AS doc FROM search_index) n
WHERE search_index.project_id = n.project_id;

CREATE TABLE search_vocab (
    word_id  INTEGER NOT NULL,    -- numbers words in the order they were first indexed
    word     VARCHAR NOT NULL     -- a distinct whitespace-separated word of some search_index text column
);

CREATE TABLE search_postings (
    word_id  INTEGER NOT NULL,    -- search_vocab.word_id
    doc      BIGINT NOT NULL,     -- search_index.doc
    fields   UTINYINT NOT NULL    -- where the word occurs: 1 name, 2 description, 4 README head, 8 category/id/topics
);

-- Fill both for a registry that already holds search rows (the statements registry/search.py runs;
-- tests/test_search_index.py checks the two agree).
CREATE TEMP TABLE search_new_words AS
SELECT doc, word, bit_or(f)::UTINYINT AS fields
FROM (
    SELECT doc, unnest(string_split_regex(name_lc, '\s+')) AS word, 1 AS f FROM search_index WHERE doc > 0
    UNION ALL
    SELECT doc, unnest(string_split_regex(description_lc, '\s+')), 2 FROM search_index WHERE doc > 0
    UNION ALL
    SELECT doc, unnest(string_split_regex(readme_lc, '\s+')), 4 FROM search_index WHERE doc > 0
    UNION ALL
    SELECT doc, unnest(string_split_regex(other_lc, '\s+')), 8 FROM search_index WHERE doc > 0
)
WHERE word <> ''
GROUP BY doc, word;
INSERT INTO search_vocab
SELECT (SELECT coalesce(max(word_id), 0) FROM search_vocab) + row_number() OVER (ORDER BY word), word
FROM (SELECT DISTINCT word FROM search_new_words) w
WHERE NOT EXISTS (SELECT 1 FROM search_vocab v WHERE v.word = w.word);
INSERT INTO search_postings
SELECT v.word_id, n.doc, n.fields FROM search_new_words n JOIN search_vocab v ON v.word = n.word;
DROP TABLE search_new_words;
