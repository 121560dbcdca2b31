-- title: Crawl errors
-- description: Problems recorded against items by recent runs (newest runs first): the item, what kind
--   of failure, why, and the URL asked.
-- param: source = NULL    only errors of this source
-- param: run = NULL       only errors of this run id
-- param: lim = 20         at most this many runs' errors (newest runs)
WITH chosen AS (
    SELECT run_id, source, started_at FROM crawl_runs
    WHERE ($source IS NULL OR source = $source) AND ($run IS NULL OR run_id = $run)
    ORDER BY started_at DESC LIMIT $lim
)
SELECT e.run_id, e.source, e.item, e.kind, e.message, e.url, e.occurred_at
FROM crawl_errors e JOIN chosen c ON c.run_id = e.run_id AND c.source = e.source
ORDER BY c.started_at DESC, e.occurred_at, e.item
