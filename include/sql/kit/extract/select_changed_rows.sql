-- Rows of one source table changed in [lower_bound, interval_end). lower_bound NULL means
-- "from the beginning" (first run or full refresh). Rows with no updated_at are always taken,
-- so that validation quarantines them instead of them being missed.
SELECT %(run_id)s::text AS run_id, {columns}
FROM {source_table}
WHERE (updated_at < %(interval_end)s
       AND (%(lower_bound)s::timestamptz IS NULL OR updated_at >= %(lower_bound)s::timestamptz))
   OR updated_at IS NULL
