DELETE FROM staging.audience_payloads WHERE dag_id = %(dag_id)s AND run_id = %(run_id)s;
