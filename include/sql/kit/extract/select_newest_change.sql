-- The newest change of a source table before the interval end (source freshness).
SELECT max(updated_at) FROM {source_table} WHERE updated_at < %(interval_end)s
