-- user_id appears once in night D's user_productivity: observed = duplicate rows.
SELECT count(*) - count(DISTINCT user_id) AS observed, 0 AS expected
FROM marts.user_productivity
WHERE as_of_date = %(as_of_date)s
