-- The checks of one run, the latest verdict of each, failures and warnings first.
SELECT "check", status, observed, expected, checked_at
FROM (
    SELECT DISTINCT ON ("check") "check", status, observed, expected, checked_at
    FROM audit.data_quality_log
    WHERE dag_id = %(dag_id)s AND run_id = %(run_id)s
    ORDER BY "check", checked_at DESC
) c
ORDER BY CASE status WHEN 'fail' THEN 0 WHEN 'warn' THEN 1 ELSE 2 END, "check"
