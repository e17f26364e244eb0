-- What night D changes in agg_daily_metrics' cells since the night of its state (cutoff
-- %(previous_cutoff)s, now %(cutoff)s), counted with agg_count.sql's rules as a signed sum:
-- - the rescored tasks (tmp_agg_rescored: build_agg_rescored.sql), those a load queued (their
--   attributes as the cells counted them) and those deleted between the two cutoffs (they stop
--   counting): every event of theirs is added as the task is now at the new cutoff, and the
--   events the cells counted (every one not pending) are taken out as the task was at the old
--   cutoff;
-- - the pending events of the other tasks (loaded since, or at or after the old cutoff) are
--   added at the new cutoff; one still at or after it counts 0 and stays pending.
-- Facts never change what the rules read of them, and a task never leaves dim_task. Only the
-- cells whose sums move are kept.
CREATE TEMP TABLE tmp_agg_delta ON COMMIT DROP AS
WITH counted AS (
    SELECT f.date_key, r.project_id, f.event_type, f.from_status, f.to_status, f.occurred_at,
           r.is_inferred, r.deleted_at, r.due_date, r.created_at, %(cutoff)s::timestamptz AS cutoff, 1 AS sign
    FROM tmp_agg_rescored r
    -- each rescored task reads its facts through the fact's task index (OFFSET 0: however the
    -- planner estimates the facts per task, a night's few thousand tasks never hash all facts)
    CROSS JOIN LATERAL (SELECT * FROM core.fact_task_events f WHERE f.task_key = r.task_key OFFSET 0) f
    UNION ALL
    SELECT f.date_key, r.old_project_id, f.event_type, f.from_status, f.to_status, f.occurred_at,
           r.old_is_inferred, r.old_deleted_at, r.old_due_date, r.old_created_at,
           %(previous_cutoff)s::timestamptz, -1
    FROM tmp_agg_rescored r
    CROSS JOIN LATERAL (SELECT * FROM core.fact_task_events f WHERE f.task_key = r.task_key OFFSET 0) f
    WHERE NOT EXISTS (SELECT 1 FROM marts.agg_daily_metrics_pending_events p WHERE p.event_id = f.event_id)
    UNION ALL
    SELECT p.date_key, t.project_id, p.event_type, p.from_status, p.to_status, p.occurred_at,
           t.is_inferred, t.deleted_at, t.due_date, t.created_at, %(cutoff)s::timestamptz, 1
    FROM marts.agg_daily_metrics_pending_events p
    JOIN core.dim_task t ON t.task_key = p.task_key
    WHERE NOT EXISTS (SELECT 1 FROM tmp_agg_rescored r WHERE r.task_key = p.task_key)
)
SELECT *
FROM ({count}) d
WHERE (events, tasks_created, tasks_completed, completed_with_due_date, completed_on_time, reopened,
       cycle_seconds, cycles) <> (0, 0, 0, 0, 0, 0, 0, 0)
