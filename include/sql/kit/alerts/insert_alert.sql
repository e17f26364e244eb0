-- Note an alert of a DAG run; no row comes back when the run already sent one of this kind.
INSERT INTO audit.alert_log (dag_id, run_id, kind, detail)
VALUES (%(dag_id)s, %(run_id)s, %(kind)s, %(detail)s)
ON CONFLICT DO NOTHING
RETURNING 1
