-- Each column's latest profile in the pipeline, with the null rates of its last 30 profiles
-- (oldest first) for the sparkline.
WITH ranked AS (
    SELECT p.*, row_number() OVER (PARTITION BY table_name, column_name ORDER BY profiled_at DESC) AS n
    FROM audit.column_profile p
    WHERE dag_id = %(dag_id)s
), history AS (
    SELECT table_name, column_name, array_agg(null_rate ORDER BY profiled_at) AS null_rates
    FROM ranked WHERE n <= 30
    GROUP BY 1, 2
)
SELECT r.table_name, r.column_name, r.run_id, r.kind, r.rows, r.nulls, r.null_rate, r.distinct_count,
       r.distinct_exact, r.distinct_share, r.min_value, r.max_value, r.mean, r.top_values, r.profiled_at,
       h.null_rates
FROM ranked r JOIN history h USING (table_name, column_name)
WHERE r.n = 1
ORDER BY r.table_name, r.position
