-- Every source row as of the interval end, by key and version: read only when the totals differ.
SELECT {key}, updated_at FROM {source_table} WHERE updated_at < %(interval_end)s OR updated_at IS NULL
