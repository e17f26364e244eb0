-- Publish the restatement of every date <= D, part 1: of the rows in {scope} (every date <= D,
-- or the cells night D changed), those the new build (tmp_agg_daily_metrics) no longer has, or
-- has with other values, go. Unchanged rows stay as they are, so a night
-- writes only what changed. Same transaction as insert_agg_daily_metrics.sql.
DELETE FROM marts.agg_daily_metrics m
WHERE {scope}
  AND NOT EXISTS (
      SELECT 1 FROM tmp_agg_daily_metrics t
      WHERE t.metric_date = m.metric_date AND t.project_id = m.project_id
        AND (t.tasks_created, t.tasks_completed, t.completed_with_due_date, t.completed_on_time,
             t.on_time_rate, t.reopened, t.avg_cycle_hours)
            IS NOT DISTINCT FROM
            (m.tasks_created, m.tasks_completed, m.completed_with_due_date, m.completed_on_time,
             m.on_time_rate, m.reopened, m.avg_cycle_hours))
