-- Each column's last profiles of other runs on batches of at least min_rows rows: what drift
-- is judged against.
SELECT column_name, null_rate, distinct_share
FROM (
    SELECT column_name, null_rate, distinct_share,
           row_number() OVER (PARTITION BY column_name ORDER BY profiled_at DESC) AS n
    FROM audit.column_profile
    WHERE dag_id = %(dag_id)s AND table_name = %(table_name)s AND run_id <> %(run_id)s AND rows >= %(min_rows)s
) p
WHERE n <= %(history)s
