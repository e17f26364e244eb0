-- The row rules of agg_daily_metrics, every date <= D: per rule (a column, named as the
-- check), the rows that break it.
SELECT count(*) FILTER (WHERE least(tasks_created, tasks_completed, completed_with_due_date,
                                    completed_on_time, reopened) < 0) AS counts_not_negative,
       count(*) FILTER (WHERE completed_on_time > completed_with_due_date
                           OR completed_with_due_date > tasks_completed) AS parts_within_wholes,
       count(*) FILTER (WHERE on_time_rate < 0 OR on_time_rate > 1) AS ratios_within_0_1,
       count(*) FILTER (WHERE (on_time_rate IS NULL) <> (completed_with_due_date = 0))
           AS on_time_rate_null_exactly_without_due_dates,
       count(*) FILTER (WHERE on_time_rate <> round(completed_on_time::numeric / nullif(completed_with_due_date, 0), 4))
           AS on_time_rate_is_on_time_over_with_due_date,
       count(*) FILTER (WHERE tasks_completed = 0 AND avg_cycle_hours IS NOT NULL)
           AS avg_cycle_hours_null_without_done_events
FROM marts.agg_daily_metrics
WHERE metric_date <= %(as_of_date)s
