-- The totals of what the warehouse holds ({held}: held_rows.sql), read straight from core as
-- source_totals.sql reads the source.
SELECT count(*) AS rows, sum(key) AS key_sum, sum(extract(epoch FROM updated_at)) AS version_sum,
       sum(amount) AS amount
FROM ({held}) h
