-- The row rules of night D's project_health: per rule (a column, named as the check), the
-- rows that break it.
SELECT count(*) FILTER (WHERE least(open_tasks, overdue_tasks, completed_30d) < 0) AS counts_not_negative,
       count(*) FILTER (WHERE overdue_tasks > open_tasks) AS overdue_within_open,
       count(*) FILTER (WHERE on_time_rate_30d < 0 OR on_time_rate_30d > 1) AS ratios_within_0_1,
       count(*) FILTER (WHERE completed_30d = 0 AND on_time_rate_30d IS NOT NULL)
           AS on_time_rate_30d_null_without_done_events
FROM marts.project_health
WHERE as_of_date = %(as_of_date)s
