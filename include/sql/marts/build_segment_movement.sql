-- Movement into snapshot D (%(as_of_date)s) and into the next snapshot after D, if any: when a
-- backfill fills a gap, D becomes that snapshot's previous one. Runs after the DELETE of the
-- same dates, in the marts transaction.
INSERT INTO marts.segment_movement (as_of_date, previous_as_of_date, from_segment, to_segment, customers)
WITH targets AS (
    SELECT %(as_of_date)s::date AS as_of_date
    UNION
    SELECT min(as_of_date) FROM marts.customer_segments WHERE as_of_date > %(as_of_date)s
),
pairs AS (
    SELECT t.as_of_date,
           (SELECT max(c.as_of_date) FROM marts.customer_segments c WHERE c.as_of_date < t.as_of_date)
               AS previous_as_of_date
    FROM targets t
    WHERE t.as_of_date IS NOT NULL
)
SELECT p.as_of_date, p.previous_as_of_date, prev.segment, cur.segment, count(*)::integer
FROM pairs p
JOIN marts.customer_segments cur ON cur.as_of_date = p.as_of_date
JOIN marts.customer_segments prev
  ON prev.as_of_date = p.previous_as_of_date AND prev.customer_id = cur.customer_id
WHERE prev.segment <> cur.segment
GROUP BY p.as_of_date, p.previous_as_of_date, prev.segment, cur.segment
