SELECT source_id FROM audit.quarantine
WHERE dag_id = %(dag_id)s AND source_table = %(source_table)s AND released_at IS NULL AND source_id IS NOT NULL
