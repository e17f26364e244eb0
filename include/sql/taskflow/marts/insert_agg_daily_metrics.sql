-- Publish the restatement, part 2: every row of the new build not in the mart (after the
-- delete, a row whose key is still there has the same values).
INSERT INTO marts.agg_daily_metrics
    (metric_date, project_id, tasks_created, tasks_completed, completed_with_due_date,
     completed_on_time, on_time_rate, reopened, avg_cycle_hours)
SELECT t.metric_date, t.project_id, t.tasks_created, t.tasks_completed, t.completed_with_due_date,
       t.completed_on_time, t.on_time_rate, t.reopened, t.avg_cycle_hours
FROM tmp_agg_daily_metrics t
WHERE NOT EXISTS (SELECT 1 FROM marts.agg_daily_metrics m
                  WHERE m.metric_date = t.metric_date AND m.project_id = t.project_id)
ORDER BY t.metric_date, t.project_id
