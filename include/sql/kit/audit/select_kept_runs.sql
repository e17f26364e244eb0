-- The runs whose staged batches finish keeps: this run and the pipeline's runs still going.
-- Rows of them stay (select_kept_staging.sql); so do their partitions of a partitioned table.
SELECT %(run_id)s::text
UNION
SELECT r.run_id FROM audit.etl_run_log r WHERE r.dag_id = %(dag_id)s AND r.status = 'running'
