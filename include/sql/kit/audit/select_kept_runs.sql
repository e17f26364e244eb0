-- The runs whose staged batches finish keeps (as select_kept_staging.sql): this run and the
-- pipeline's runs still going.
SELECT %(run_id)s::text
UNION
SELECT r.run_id FROM audit.etl_run_log r WHERE r.dag_id = %(dag_id)s AND r.status = 'running'
