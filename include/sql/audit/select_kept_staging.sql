-- Which staged rows finish keeps (one rule, one file): this run's batch and the batches of
-- runs still going (a backfill may run beside the nightly run). A condition on alias s.
(s.run_id = %(run_id)s
 OR EXISTS (SELECT 1 FROM audit.etl_run_log r WHERE r.run_id = s.run_id AND r.status = 'running'))
