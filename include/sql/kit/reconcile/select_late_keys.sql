-- The source rows changed at or after the interval end: what the warehouse holds of them may
-- be older (a night not yet run) or newer (a backfill), and is left out of the comparison.
SELECT {key} FROM {source_table} WHERE updated_at >= %(interval_end)s
