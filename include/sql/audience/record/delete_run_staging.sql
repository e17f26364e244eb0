-- A finished run's staged members and payloads (its package keeps what was sent).
DELETE FROM staging.audience_members WHERE dag_id = %(dag_id)s AND run_id = %(run_id)s;
DELETE FROM staging.audience_payloads WHERE dag_id = %(dag_id)s AND run_id = %(run_id)s;
