DELETE FROM staging.rejects
WHERE dag_id = %(dag_id)s AND run_id = %(run_id)s AND source_table = %(source_table)s;
CREATE TEMP TABLE tmp_reject_rows (
    staging_row bigint, source_id bigint, source_updated_at timestamptz, reasons text
) ON COMMIT DROP
