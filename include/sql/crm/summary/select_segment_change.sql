-- Customers per segment on the business day, and the change since the previous snapshot
-- (NULL for a segment the previous snapshot did not have, or when there is none).
SELECT s.segment, s.customers, s.customers - p.customers AS change
FROM marts.segment_summary s
LEFT JOIN marts.segment_summary p
  ON p.segment = s.segment
 AND p.as_of_date = (SELECT max(as_of_date) FROM marts.segment_summary WHERE as_of_date < %(day)s)
WHERE s.as_of_date = %(day)s
ORDER BY s.customers DESC
