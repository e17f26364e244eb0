-- project_id appears once in night D's project_health: observed = duplicate rows.
SELECT count(*) - count(DISTINCT project_id) AS observed, 0 AS expected
FROM marts.project_health
WHERE as_of_date = %(as_of_date)s
