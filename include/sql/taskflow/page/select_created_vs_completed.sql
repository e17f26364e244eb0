-- Tasks created and completed per day over [date_from, date_to], every project: every day of
-- the window is a row, 0 on a day without events (never a gap for a chart to draw across).
WITH metrics AS (
    SELECT metric_date, sum(tasks_created)::bigint AS tasks_created,
           sum(tasks_completed)::bigint AS tasks_completed
    FROM marts.agg_daily_metrics
    WHERE metric_date BETWEEN %(date_from)s AND %(date_to)s
    GROUP BY metric_date
)
SELECT d::date AS metric_date, coalesce(m.tasks_created, 0) AS tasks_created,
       coalesce(m.tasks_completed, 0) AS tasks_completed
FROM generate_series(%(date_from)s::date, %(date_to)s::date, interval '1 day') AS d
LEFT JOIN metrics m ON m.metric_date = d::date
ORDER BY 1
