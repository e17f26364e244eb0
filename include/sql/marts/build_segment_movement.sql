-- Movement into snapshot %(as_of_date)s since snapshot %(previous_as_of_date)s (the latest one
-- before it). build_marts runs it for D and, when a backfill fills a gap, for the next
-- snapshot after D; both dates are constants here so the planner joins the two snapshots
-- with a hash join instead of 100k index probes.
INSERT INTO marts.segment_movement (as_of_date, previous_as_of_date, from_segment, to_segment, customers)
SELECT cur.as_of_date, prev.as_of_date, prev.segment, cur.segment, count(*)::integer
FROM marts.customer_segments cur
JOIN marts.customer_segments prev ON prev.customer_id = cur.customer_id
WHERE cur.as_of_date = %(as_of_date)s
  AND prev.as_of_date = %(previous_as_of_date)s
  AND prev.segment <> cur.segment
GROUP BY cur.as_of_date, prev.as_of_date, prev.segment, cur.segment
