INSERT INTO tmp_rejects
SELECT staging_row, source_id, source_updated_at, reasons FROM staging.rejects
WHERE dag_id = %(dag_id)s AND run_id = %(run_id)s AND source_table = %(source_table)s;
ANALYZE tmp_rejects
