-- title: Crawl runs
-- description: One row per run and source, newest first: status, what was seen / new / changed /
--   unchanged / skipped / failed / pending, requests made, 304s, rate limit left and waited, GraphQL queries,
--   points and raw downloads, errors recorded.
-- param: source = NULL    only runs of this source
-- param: run = NULL       only this run id
-- param: lim = 20         maximum rows
SELECT r.run_id, r.source, r.trigger, r.status,
       r.started_at, r.finished_at,
       round(epoch(coalesce(r.finished_at, r.heartbeat_at) - r.started_at), 1) AS seconds,
       r.items_seen AS seen, r.items_new AS new, r.items_changed AS changed, r.items_unchanged AS unchanged,
       r.items_skipped AS skipped, r.items_failed AS failed, r.items_pending AS pending,
       r.requests, r.not_modified, r.rate_remaining, r.rate_reset_at, r.rate_waited,
       r.graphql_queries, r.graphql_points, r.raw_requests,
       (SELECT count(*) FROM crawl_errors e WHERE e.run_id = r.run_id AND e.source = r.source
                AND e.kind <> 'no-primary-link') AS errors,  -- a curator's note is not an error
       r.message, r.pid, r.host, r.heartbeat_at
FROM crawl_runs r
WHERE ($source IS NULL OR r.source = $source)
  AND ($run IS NULL OR r.run_id = $run)
ORDER BY r.started_at DESC, r.source
LIMIT $lim
