-- Rows behind the customers table, from the summary (one row per segment, not a scan).
SELECT coalesce(sum(customers), 0)::bigint AS customers
FROM marts.segment_summary
WHERE as_of_date = %(as_of_date)s
  AND (%(segment)s::text IS NULL OR segment = %(segment)s::text)
