-- title: Estimated BOM cost by category
-- description: What the designs of each category cost in parts, per currency: the sum of quantity × unit
--   price over BOM lines that have a price (lines without one are not counted, so these are lower bounds).
--   `priced` says how many of the category's designs with a BOM had prices.
-- param: currency = NULL   only this currency (e.g. USD)
WITH costs AS (
    SELECT coalesce(v.category, '(no category)') AS category, k.currency,
           TRY_CAST(v.bom_cost ->> k.currency AS DOUBLE) AS cost
    FROM v_projects v, unnest(json_keys(v.bom_cost)) AS k(currency)
    WHERE v.bom_cost IS NOT NULL
),
with_bom AS (
    SELECT coalesce(category, '(no category)') AS category, count(*) AS designs
    FROM v_projects WHERE bom_files > 0 GROUP BY ALL
)
SELECT c.category, c.currency,
       count(*) || ' of ' || coalesce(any_value(b.designs), count(*)) AS priced,
       round(min(c.cost), 2) AS min,
       round(median(c.cost), 2) AS median,
       round(avg(c.cost), 2) AS mean,
       round(max(c.cost), 2) AS max
FROM costs c LEFT JOIN with_bom b ON b.category = c.category
WHERE c.cost > 0 AND ($currency IS NULL OR c.currency = upper($currency))
GROUP BY c.category, c.currency
ORDER BY c.category, c.currency
