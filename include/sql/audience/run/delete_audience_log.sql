-- The run's result for one audience, when its package is built again: execute delivers it anew.
DELETE FROM audit.handoff_log
WHERE dag_id = %(dag_id)s AND run_id = %(run_id)s AND audience_id = %(audience_id)s;
