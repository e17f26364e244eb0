-- Its members and batches go with it (ON DELETE CASCADE).
DELETE FROM audit.handoff_packages
WHERE dag_id = %(dag_id)s AND run_id = %(run_id)s AND audience_id = %(audience_id)s;
