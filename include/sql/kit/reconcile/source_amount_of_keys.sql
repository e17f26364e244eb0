-- The amounts of the given source rows as of the interval end (the rows open in quarantine,
-- whose amounts core does not hold).
SELECT sum({amount}) FROM {source_table}
WHERE {key} = ANY(%(keys)s) AND (updated_at < %(interval_end)s OR updated_at IS NULL)
