-- A source table as of the interval end: the rows the extract takes by then (updated_at below
-- the interval end, or none), their number, the sums of their keys and of their updated_at, and
-- the sum of their amounts ({amount}: NULL when the table declares none).
SELECT count(*) AS rows, sum({key}) AS key_sum, sum(extract(epoch FROM updated_at)) AS version_sum,
       sum({amount}) AS amount
FROM {source_table}
WHERE updated_at < %(interval_end)s OR updated_at IS NULL
