-- marts.segment_movement for one snapshot, read straight from the two snapshots it compares
-- (the view itself ranks every snapshot date first).
WITH previous AS (
    SELECT max(as_of_date) AS as_of_date FROM marts.customer_segments WHERE as_of_date < %(as_of_date)s
)
SELECT cur.as_of_date, p.as_of_date AS previous_as_of_date,
       prev.segment AS from_segment, cur.segment AS to_segment, count(*)::integer AS customers
FROM previous p
JOIN marts.customer_segments prev ON prev.as_of_date = p.as_of_date
JOIN marts.customer_segments cur ON cur.as_of_date = %(as_of_date)s AND cur.customer_id = prev.customer_id
WHERE prev.segment <> cur.segment
GROUP BY cur.as_of_date, p.as_of_date, prev.segment, cur.segment
ORDER BY customers DESC, from_segment, to_segment
