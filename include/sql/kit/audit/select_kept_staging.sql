-- Which staged rows finish keeps (one rule, one file): this run's batch, the batches of the
-- pipeline's runs still going (a backfill may run beside the nightly run), and, in a table
-- that pipelines share, the rows of other pipelines (the condition `foreign`). On alias s.
-- An uncorrelated IN: the running runs are read once and hashed (a correlated EXISTS was
-- probed once per staged row, 1 s for the 1M lines of a full load).
({foreign}
 OR s.run_id = %(run_id)s
 OR s.run_id IN (SELECT r.run_id FROM audit.etl_run_log r WHERE r.dag_id = %(dag_id)s AND r.status = 'running'))
