-- The business day's task metrics for the morning summary, and the open and overdue tasks of
-- its project health snapshot.
SELECT coalesce((SELECT sum(tasks_created) FROM marts.agg_daily_metrics WHERE metric_date = %(day)s), 0),
       coalesce((SELECT sum(tasks_completed) FROM marts.agg_daily_metrics WHERE metric_date = %(day)s), 0),
       coalesce((SELECT sum(open_tasks) FROM marts.project_health WHERE as_of_date = %(day)s), 0),
       coalesce((SELECT sum(overdue_tasks) FROM marts.project_health WHERE as_of_date = %(day)s), 0)
