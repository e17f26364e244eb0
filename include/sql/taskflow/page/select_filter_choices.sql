-- What the page's filters may take: the nights with a project_health snapshot (newest first,
-- read by skipping along the primary key rather than scanning every row), the projects' teams
-- and categories, and the first day of agg_daily_metrics.
WITH RECURSIVE nights AS (
    (SELECT as_of_date FROM marts.project_health ORDER BY as_of_date DESC LIMIT 1)
    UNION ALL
    SELECT (SELECT h.as_of_date FROM marts.project_health h
            WHERE h.as_of_date < n.as_of_date ORDER BY h.as_of_date DESC LIMIT 1)
    FROM nights n
    WHERE n.as_of_date IS NOT NULL
)
SELECT
    (SELECT coalesce(array_agg(as_of_date ORDER BY as_of_date DESC), '{}')
       FROM nights WHERE as_of_date IS NOT NULL)                                  AS as_of_dates,
    (SELECT coalesce(array_agg(DISTINCT team ORDER BY team), '{}')
       FROM marts.task_projects WHERE team IS NOT NULL)                           AS teams,
    (SELECT coalesce(array_agg(DISTINCT category ORDER BY category), '{}')
       FROM marts.task_projects WHERE category IS NOT NULL)                       AS categories,
    (SELECT min(metric_date) FROM marts.agg_daily_metrics)                        AS first_metric_date
