-- A run's own partition of a staging table partitioned by run_id (LIST): created empty once,
-- reused by a retry. {persistence} is UNLOGGED when the parent is (a partition takes its own),
-- else empty. {run_id} is the run's id as a literal (a partition bound cannot be a bind parameter).
CREATE {persistence} TABLE IF NOT EXISTS {partition} PARTITION OF {table} FOR VALUES IN ({run_id})
