-- Done events per project over [date_from, date_to]: on time, late (with a due date, not on
-- time) and without a due date add up to tasks_completed. Projects without one are left out.
-- Aggregated first, then named (the view's join runs for at most one row per project).
WITH done AS (
    SELECT project_id, sum(tasks_completed)::bigint AS tasks_completed,
           sum(completed_on_time)::bigint AS completed_on_time,
           sum(completed_with_due_date)::bigint AS completed_with_due_date
    FROM marts.agg_daily_metrics
    WHERE metric_date BETWEEN %(date_from)s AND %(date_to)s
    GROUP BY project_id
    HAVING sum(tasks_completed) > 0
)
SELECT d.project_id, p.name, p.category, p.team, d.tasks_completed, d.completed_on_time,
       d.completed_with_due_date - d.completed_on_time AS completed_late,
       d.tasks_completed - d.completed_with_due_date AS completed_without_due_date,
       round(d.completed_on_time::numeric / nullif(d.completed_with_due_date, 0), 4) AS on_time_rate
FROM done d
LEFT JOIN marts.task_projects p ON p.project_id = d.project_id
ORDER BY d.tasks_completed DESC, d.project_id
