AND NOT EXISTS (SELECT 1 FROM staging.rejects r
                WHERE r.dag_id = %(dag_id)s AND r.run_id = s.run_id
                  AND r.source_table = %(source_table)s AND r.staging_row = s.staging_row)
