-- title: BOM parts shared by several designs
-- description: Parts (by manufacturer part number, else by part name) that appear in the bills of materials
--   of several designs: what a makerspace could stock, and where designs could share suppliers.
-- param: min_designs = 2   appear in at least this many designs
-- param: lim = 50          maximum rows
WITH lines AS (
    SELECT v.id, v.unsafe, l.quantity, l.part, l.description, l.manufacturer, l.mpn,
           CASE WHEN nullif(trim(l.mpn), '') IS NOT NULL
                THEN 'mpn:' || upper(regexp_replace(trim(l.mpn), '\s+', '', 'g'))
                ELSE 'part:' || lower(regexp_replace(trim(coalesce(nullif(trim(l.part), ''), l.description)),
                                                     '\s+', ' ', 'g'))
           END AS part_key
    FROM bom_lines l
    LEFT JOIN v_aliases a ON a.alias_id = l.project_id
    JOIN v_projects v ON v.id = coalesce(a.project_id, l.project_id)
    WHERE coalesce(nullif(trim(l.mpn), ''), nullif(trim(l.part), ''), nullif(trim(l.description), '')) IS NOT NULL
)
SELECT mode(part) AS part,
       CASE WHEN part_key LIKE 'mpn:%' THEN substr(part_key, 5) END AS mpn,
       mode(nullif(trim(manufacturer), '')) AS manufacturer,
       count(DISTINCT id) AS designs,
       sum(coalesce(quantity, 1)) AS total_quantity,
       list(DISTINCT CASE WHEN unsafe THEN id || ' (unsafe)' ELSE id END ORDER BY CASE WHEN unsafe THEN id || ' (unsafe)' ELSE id END) AS projects
FROM lines
GROUP BY part_key
HAVING count(DISTINCT id) >= $min_designs::INTEGER
ORDER BY designs DESC, total_quantity DESC, part
LIMIT $lim::INTEGER
