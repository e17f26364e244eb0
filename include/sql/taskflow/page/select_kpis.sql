-- KPI tiles for night D (%(as_of_date)s): tasks created and completed in the 7 days D-6..D
-- and in the 7 before (D-13..D-7), the on-time rate of the done events of D-29..D (on time /
-- with a due date, over every project), and the open and overdue tasks of D's snapshot of
-- project_health (live projects).
WITH days AS (
    SELECT coalesce(sum(tasks_created) FILTER (WHERE metric_date > %(as_of_date)s::date - 7), 0)::bigint
               AS created_7d,
           coalesce(sum(tasks_created) FILTER (WHERE metric_date <= %(as_of_date)s::date - 7
                                                 AND metric_date > %(as_of_date)s::date - 14), 0)::bigint
               AS created_prev_7d,
           coalesce(sum(tasks_completed) FILTER (WHERE metric_date > %(as_of_date)s::date - 7), 0)::bigint
               AS completed_7d,
           coalesce(sum(tasks_completed) FILTER (WHERE metric_date <= %(as_of_date)s::date - 7
                                                   AND metric_date > %(as_of_date)s::date - 14), 0)::bigint
               AS completed_prev_7d,
           coalesce(sum(tasks_completed), 0)::bigint AS completed_30d,
           round(sum(completed_on_time)::numeric / nullif(sum(completed_with_due_date), 0), 4)
               AS on_time_rate_30d
    FROM marts.agg_daily_metrics
    WHERE metric_date > %(as_of_date)s::date - 30 AND metric_date <= %(as_of_date)s::date
),
health AS (
    SELECT count(*) AS live_projects, coalesce(sum(open_tasks), 0)::bigint AS open_tasks,
           coalesce(sum(overdue_tasks), 0)::bigint AS overdue_tasks
    FROM marts.project_health
    WHERE as_of_date = %(as_of_date)s::date
)
SELECT %(as_of_date)s::date AS as_of_date, days.*, health.*
FROM days CROSS JOIN health
