-- 0006 runs: who runs a crawl and how far it got, so a run killed mid-way is closed as 'interrupted' by the next.
-- pid/host/heartbeat_at identify a live run (the heartbeat moves at every batch write); trigger says who
-- started it (cli | schedule); items_skipped counts repositories not asked again on purpose (gone, re-checked
-- after [github] recheck_gone_days); rate_reset_at and rate_waited say when the budget returns and how
-- long the run waited for rate limits.

ALTER TABLE crawl_runs ADD COLUMN pid INTEGER;
ALTER TABLE crawl_runs ADD COLUMN host VARCHAR;
ALTER TABLE crawl_runs ADD COLUMN heartbeat_at TIMESTAMP;
ALTER TABLE crawl_runs ADD COLUMN trigger VARCHAR;
ALTER TABLE crawl_runs ADD COLUMN items_skipped INTEGER DEFAULT 0;
ALTER TABLE crawl_runs ADD COLUMN rate_reset_at TIMESTAMP;
ALTER TABLE crawl_runs ADD COLUMN rate_waited DOUBLE DEFAULT 0;
