-- 0017 corrections propagate: a curator's licence correction carries its openness and copyleft verdicts, and
-- v_projects recombines them with the crawler's verdicts of the other scopes (the same coalesce as
-- v_projects_crawled), so `ohr set X hardware_licence CC-BY-NC-4.0` makes the project 'restricted' at once —
-- in v_projects, `ohr search --licence`, `ohr query buildable` and every export — unless openness itself is
-- corrected. Corrections written before this migration have no verdict: they keep the crawler's until set
-- again. bom_lines is BIGINT (a sum is HUGEINT, which Parquet stores as DOUBLE).

ALTER TABLE corrections ADD COLUMN openness VARCHAR;   -- of a *_licence correction: open | restricted | ...
ALTER TABLE corrections ADD COLUMN copyleft VARCHAR;   -- of a *_licence correction: permissive | weak | strong

CREATE OR REPLACE VIEW v_projects AS
WITH corr AS (
    SELECT project_id,
           list(field ORDER BY field)                                AS corrected,
           max(value) FILTER (WHERE field = 'name')                  AS name,
           max(value) FILTER (WHERE field = 'description')           AS description,
           max(value) FILTER (WHERE field = 'homepage')              AS homepage,
           max(value) FILTER (WHERE field = 'category')              AS category,
           max(value) FILTER (WHERE field = 'hardware_licence')      AS hardware_licence,
           max(value) FILTER (WHERE field = 'documentation_licence') AS documentation_licence,
           max(value) FILTER (WHERE field = 'software_licence')      AS software_licence,
           max(value) FILTER (WHERE field = 'openness')              AS openness,
           max(value) FILTER (WHERE field = 'copyleft')              AS copyleft,
           max(value) FILTER (WHERE field = 'maturity')              AS maturity,
           max(value) FILTER (WHERE field = 'maturity_state')        AS maturity_state,
           max(value) FILTER (WHERE field = 'medical_caution')       AS medical_caution,
           -- what a corrected licence means (NULL when cleared; legacy rows without it keep the crawler's)
           max(CASE WHEN value IS NULL OR openness IS NOT NULL THEN 1 ELSE 0 END)
               FILTER (WHERE field = 'hardware_licence')               AS h_known,
           max(CASE WHEN value IS NULL OR openness IS NOT NULL THEN 1 ELSE 0 END)
               FILTER (WHERE field = 'documentation_licence')          AS d_known,
           max(CASE WHEN value IS NULL OR openness IS NOT NULL THEN 1 ELSE 0 END)
               FILTER (WHERE field = 'software_licence')               AS s_known,
           max(openness) FILTER (WHERE field = 'hardware_licence')      AS h_openness,
           max(openness) FILTER (WHERE field = 'documentation_licence') AS d_openness,
           max(openness) FILTER (WHERE field = 'software_licence')      AS s_openness,
           max(copyleft) FILTER (WHERE field = 'hardware_licence')      AS h_copyleft,
           max(copyleft) FILTER (WHERE field = 'documentation_licence') AS d_copyleft,
           max(copyleft) FILTER (WHERE field = 'software_licence')      AS s_copyleft
    FROM corrections GROUP BY project_id
),
-- the crawler's per-scope verdicts of projects with a licence correction, to recombine with the corrected ones
lo AS (
    SELECT project_id,
           max(openness) FILTER (WHERE scope = 'hardware')      AS h_openness,
           max(openness) FILTER (WHERE scope = 'documentation') AS d_openness,
           max(openness) FILTER (WHERE scope = 'software')      AS s_openness,
           max(copyleft) FILTER (WHERE scope = 'hardware')      AS h_copyleft,
           max(copyleft) FILTER (WHERE scope = 'documentation') AS d_copyleft,
           max(copyleft) FILTER (WHERE scope = 'software')      AS s_copyleft
    FROM licences
    WHERE project_id IN (SELECT project_id FROM corrections WHERE field LIKE '%\_licence' ESCAPE '\')
    GROUP BY project_id
),
-- per scope: the corrected licence's verdict where a curator set that licence, else the crawler's
lv AS (
    SELECT k.project_id,
           list_has_any(k.corrected, ['hardware_licence', 'documentation_licence', 'software_licence']) AS licence_corrected,
           CASE WHEN k.h_known = 1 THEN k.h_openness ELSE lo.h_openness END AS h_openness,
           CASE WHEN k.d_known = 1 THEN k.d_openness ELSE lo.d_openness END AS d_openness,
           CASE WHEN k.s_known = 1 THEN k.s_openness ELSE lo.s_openness END AS s_openness,
           CASE WHEN k.h_known = 1 THEN k.h_copyleft ELSE lo.h_copyleft END AS h_copyleft,
           CASE WHEN k.d_known = 1 THEN k.d_copyleft ELSE lo.d_copyleft END AS d_copyleft,
           CASE WHEN k.s_known = 1 THEN k.s_copyleft ELSE lo.s_copyleft END AS s_copyleft
    FROM corr k LEFT JOIN lo ON lo.project_id = k.project_id
),
fl AS (
    SELECT project_id, list(DISTINCT kind ORDER BY kind) AS flags FROM v_flags GROUP BY project_id
),
mg AS (
    SELECT project_id, list(alias_id ORDER BY alias_id) AS merged_ids FROM v_aliases GROUP BY project_id
),
-- a surviving project lists the sources and URLs of everything merged into it (a join, not a correlated
-- subquery with OR: that one is a nested loop over every project and source record)
members AS (
    SELECT project_id, project_id AS member FROM mg
    UNION ALL
    SELECT project_id, alias_id FROM v_aliases
),
ms AS (
    SELECT m.project_id, list(DISTINCT s.source ORDER BY s.source) AS sources
    FROM members m JOIN source_records s ON s.project_id = m.member GROUP BY m.project_id
),
mu AS (
    SELECT m.project_id, list(DISTINCT u.url ORDER BY u.url) AS urls
    FROM members m JOIN project_urls u ON u.project_id = m.member GROUP BY m.project_id
),
bc AS (
    SELECT project_id, json_group_object(currency, amount) AS cost
    FROM (
        SELECT f.project_id, k.currency, sum(TRY_CAST(f.cost ->> k.currency AS DOUBLE)) AS amount
        FROM bom_files f, unnest(json_keys(f.cost)) AS k(currency)
        WHERE f.error IS NULL AND f.cost IS NOT NULL
        GROUP BY ALL
    )
    GROUP BY project_id
)
SELECT
    c.* REPLACE (
        CASE WHEN list_contains(k.corrected, 'name') THEN k.name ELSE c.name END                   AS name,
        CASE WHEN list_contains(k.corrected, 'description') THEN k.description
             ELSE c.description END                                                                AS description,
        CASE WHEN list_contains(k.corrected, 'homepage') THEN k.homepage ELSE c.homepage END       AS homepage,
        CASE WHEN list_contains(k.corrected, 'category') THEN k.category ELSE c.category END       AS category,
        CASE WHEN list_contains(k.corrected, 'hardware_licence') THEN k.hardware_licence
             ELSE c.hardware_licence END                                                           AS hardware_licence,
        CASE WHEN list_contains(k.corrected, 'documentation_licence') THEN k.documentation_licence
             ELSE c.documentation_licence END                                                      AS documentation_licence,
        CASE WHEN list_contains(k.corrected, 'software_licence') THEN k.software_licence
             ELSE c.software_licence END                                                           AS software_licence,
        CASE WHEN list_contains(k.corrected, 'openness') THEN coalesce(k.openness, 'unknown')
             WHEN lv.licence_corrected THEN coalesce(lv.h_openness, lv.d_openness, lv.s_openness, 'unknown')
             ELSE c.openness END                                                                   AS openness,
        CASE WHEN list_contains(k.corrected, 'copyleft') THEN k.copyleft
             WHEN lv.licence_corrected THEN coalesce(lv.h_copyleft, lv.d_copyleft, lv.s_copyleft)
             ELSE c.copyleft END                                                                   AS copyleft,
        CASE WHEN list_contains(k.corrected, 'maturity') THEN k.maturity ELSE c.maturity END       AS maturity,
        CASE WHEN list_contains(k.corrected, 'maturity_state') THEN k.maturity_state
             ELSE c.maturity_state END                                                             AS maturity_state,
        CASE WHEN list_contains(k.corrected, 'medical_caution') THEN TRY_CAST(k.medical_caution AS BOOLEAN)
             ELSE c.medical_caution END                                                            AS medical_caution,
        coalesce(c.bom_cost, bc.cost)                                                              AS bom_cost,
        c.bom_lines::BIGINT                                                                        AS bom_lines,
        CASE WHEN mg.merged_ids IS NULL THEN c.sources ELSE ms.sources END                        AS sources,
        CASE WHEN mg.merged_ids IS NULL THEN c.urls ELSE mu.urls END                               AS urls
    ),
    coalesce(fl.flags, []::VARCHAR[])                       AS flags,
    coalesce(list_contains(fl.flags, 'unsafe'), false)      AS unsafe,
    coalesce(k.corrected, []::VARCHAR[])                    AS corrected,
    coalesce(mg.merged_ids, []::VARCHAR[])                  AS merged_ids
FROM v_projects_crawled c
LEFT JOIN corr k ON k.project_id = c.id
LEFT JOIN lv     ON lv.project_id = c.id
LEFT JOIN fl     ON fl.project_id = c.id
LEFT JOIN mg     ON mg.project_id = c.id
LEFT JOIN bc     ON bc.project_id = c.id
LEFT JOIN ms     ON ms.project_id = c.id
LEFT JOIN mu     ON mu.project_id = c.id
WHERE c.id NOT IN (SELECT alias_id FROM aliases);
