INSERT INTO staging.rejects (dag_id, run_id, source_table, staging_row, source_id, source_updated_at, reasons)
SELECT %(dag_id)s, %(run_id)s, %(source_table)s, staging_row, source_id, source_updated_at, reasons::text[]
FROM tmp_reject_rows
