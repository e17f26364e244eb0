-- project_health of night D (%(as_of_date)s): one row per non-inferred project whose
-- archived_at is NULL or >= cutoff (D+1 00:00 in the business timezone).
-- open_tasks: counting tasks whose current status is not done or cancelled; overdue_tasks:
-- open tasks with due_date < D; completed_30d and on_time_rate_30d: the done events of
-- tmp_done_30d (build_done_30d.sql), on time when their date <= the task's current due_date,
-- the rate over those with a due_date, NULL when there is none.
CREATE TEMP TABLE tmp_project_health ON COMMIT DROP AS
WITH live AS (
    SELECT project_id
    FROM core.dim_project
    WHERE NOT is_inferred
      AND (archived_at IS NULL
           OR archived_at >= ((%(as_of_date)s::date + 1)::timestamp AT TIME ZONE %(business_tz)s))
),
open_tasks AS (
    SELECT project_id,
           count(*) AS open_tasks,
           count(*) FILTER (WHERE due_date < %(as_of_date)s::date) AS overdue_tasks
    FROM core.dim_task
    WHERE NOT is_inferred
      AND (deleted_at IS NULL
           OR deleted_at >= ((%(as_of_date)s::date + 1)::timestamp AT TIME ZONE %(business_tz)s))
      AND (status IS NULL OR status NOT IN ('done', 'cancelled'))
    GROUP BY project_id
),
done AS (
    SELECT project_id,
           count(*) AS completed_30d,
           count(*) FILTER (WHERE due_date IS NOT NULL) AS with_due_date,
           count(*) FILTER (WHERE event_date <= due_date) AS on_time
    FROM tmp_done_30d
    GROUP BY project_id
)
SELECT %(as_of_date)s::date AS as_of_date, l.project_id::bigint,
       coalesce(o.open_tasks, 0)::integer AS open_tasks,
       coalesce(o.overdue_tasks, 0)::integer AS overdue_tasks,
       coalesce(d.completed_30d, 0)::integer AS completed_30d,
       round(d.on_time::numeric / nullif(d.with_due_date, 0), 4)::numeric(5, 4) AS on_time_rate_30d
FROM live l
LEFT JOIN open_tasks o ON o.project_id = l.project_id
LEFT JOIN done d ON d.project_id = l.project_id
