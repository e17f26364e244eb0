-- Movement into snapshot %(as_of_date)s since snapshot %(previous_as_of_date)s (the latest one
-- before it). build_marts runs it for D and, when a backfill fills a gap, for the next
-- snapshot after D; both dates are constants here so the planner joins the two snapshots
-- with a hash join instead of 100k index probes. Into a temp table, so the join can run with
-- parallel workers; insert_segment_movement.sql publishes it and drops the temp table.
CREATE TEMP TABLE tmp_segment_movement ON COMMIT DROP AS
SELECT cur.as_of_date, prev.as_of_date AS previous_as_of_date, prev.segment AS from_segment,
       cur.segment AS to_segment, count(*)::integer AS customers
FROM marts.customer_segments cur
JOIN marts.customer_segments prev ON prev.customer_id = cur.customer_id
WHERE cur.as_of_date = %(as_of_date)s
  AND prev.as_of_date = %(previous_as_of_date)s
  AND prev.segment <> cur.segment
GROUP BY cur.as_of_date, prev.as_of_date, prev.segment, cur.segment
