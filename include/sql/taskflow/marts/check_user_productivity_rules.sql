-- The row rules of night D's user_productivity: per rule (a column, named as the check), the
-- rows that break it.
SELECT count(*) FILTER (WHERE completed_30d < 1) AS completed_in_30_days,
       count(*) FILTER (WHERE completed_7d < 0 OR completed_7d > completed_30d) AS completed_7d_within_30d
FROM marts.user_productivity
WHERE as_of_date = %(as_of_date)s
