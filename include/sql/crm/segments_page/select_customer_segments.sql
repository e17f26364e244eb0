-- One snapshot's customers, optionally one segment. {sort_column} and {direction} come from
-- allow-lists in segments_page/filters.py; customer_id breaks ties so pages never overlap.
SELECT as_of_date, customer_id, recency_days, frequency, monetary, r_score, f_score, m_score, segment
FROM marts.customer_segments
WHERE as_of_date = %(as_of_date)s
  AND (%(segment)s::text IS NULL OR segment = %(segment)s::text)
ORDER BY {sort_column} {direction} NULLS LAST, customer_id {direction}
LIMIT %(limit)s OFFSET %(offset)s
