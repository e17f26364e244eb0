-- Tasks created per business day (marts.agg_daily_metrics, restated by this run); 0 for a quiet day.
SELECT d::date, coalesce(sum(m.tasks_created), 0)
FROM generate_series(%(first_day)s::date, %(last_day)s::date, interval '1 day') d
LEFT JOIN marts.agg_daily_metrics m ON m.metric_date = d::date
GROUP BY d
ORDER BY d;
