-- Every customer appears exactly once in the snapshot: observed = duplicate rows (expected 0).
SELECT count(*) - count(DISTINCT customer_id) AS observed, 0 AS expected
FROM marts.customer_segments WHERE as_of_date = %(as_of_date)s
