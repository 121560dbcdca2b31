-- 0020 source facts: each sources row carries what its kind declares in crawler/sources/<kind>.py (trust for a
-- project's name/description/category, whether its records hold hub-declared licence and maturity, whose words
-- its descriptions are), so the registry weighs records without knowing the crawler's kinds. A crawl (or
-- `ohr renormalize`) writes them for the sources it reads; rows written before are filled here with the values
-- the kinds declared when this migration was written.
ALTER TABLE sources ADD COLUMN trust INTEGER;
ALTER TABLE sources ADD COLUMN hub BOOLEAN;
ALTER TABLE sources ADD COLUMN prose VARCHAR;
UPDATE sources SET
    trust = CASE kind WHEN 'oshwa' THEN 10 WHEN 'okh-list' THEN 20 WHEN 'github-list' THEN 30 WHEN 'hackaday' THEN 40
                      WHEN 'mediawiki' THEN 50 WHEN 'csv-list' THEN 60 WHEN 'github-search' THEN 70 WHEN 'web' THEN 80
                      END,
    hub = kind IN ('oshwa', 'hackaday', 'mediawiki', 'csv-list', 'okh-list'),
    prose = CASE WHEN kind IN ('github-list', 'csv-list') THEN 'list'
                 WHEN kind IN ('oshwa', 'hackaday', 'mediawiki', 'web') THEN 'hub' END;
