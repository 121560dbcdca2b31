-- 0019 search images: each search_index row keeps the picture tags of its README head (Markdown images and
-- HTML <img>, in order, at most 12), so a web search card shows the README's first picture without reading
-- the README: reading 20 results' READMEs cost ~1 s at 100k projects, their search rows a few ms.
-- Filled here from the stored READMEs with the expression registry/search.py uses (IMAGE_TAGS). Derived:
-- `ohr renormalize` rebuilds it.

ALTER TABLE search_index ADD COLUMN images VARCHAR[];
UPDATE search_index
SET images = coalesce(list_slice(regexp_extract_all(left(r.readme, 4000), '!\[[^\]]*\]\([^)]*\)|(?i:<img\s[^>]*>)'),
                                 1, 12), []::VARCHAR[])
FROM repos r WHERE r.project_id = search_index.project_id;
UPDATE search_index SET images = []::VARCHAR[] WHERE images IS NULL;
