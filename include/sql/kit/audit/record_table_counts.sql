-- Merge counts for one table into the run's log row.
UPDATE audit.etl_run_log
SET table_counts = jsonb_set(table_counts, ARRAY[%(source_table)s::text],
                             COALESCE(table_counts -> %(source_table)s::text, '{}'::jsonb) || %(counts)s::jsonb)
WHERE dag_id = %(dag_id)s AND run_id = %(run_id)s;
