INSERT INTO audit.data_quality_log (dag_id, run_id, "check", status, observed, expected)
VALUES (%(dag_id)s, %(run_id)s, %(check)s, %(status)s, %(observed)s, %(expected)s)
