-- Night D's completed_30d summed over project_health equals the facts: done events in
-- [cutoff - 30 days, cutoff) of counting tasks whose project is live (not inferred,
-- archived_at NULL or >= cutoff), counted again from core.
SELECT (SELECT coalesce(sum(completed_30d), 0) FROM marts.project_health
        WHERE as_of_date = %(as_of_date)s)::bigint AS observed,
       (SELECT count(*)
        FROM core.fact_task_events f
        JOIN core.dim_task t ON t.task_key = f.task_key
        JOIN core.dim_project p ON p.project_id = t.project_id
        WHERE f.event_type = 'status_changed' AND f.to_status = 'done'
          AND f.occurred_at >= ((%(as_of_date)s::date + 1 - 30)::timestamp AT TIME ZONE %(business_tz)s)
          AND f.occurred_at < ((%(as_of_date)s::date + 1)::timestamp AT TIME ZONE %(business_tz)s)
          AND NOT t.is_inferred
          AND (t.deleted_at IS NULL
               OR t.deleted_at >= ((%(as_of_date)s::date + 1)::timestamp AT TIME ZONE %(business_tz)s))
          AND NOT p.is_inferred
          AND (p.archived_at IS NULL
               OR p.archived_at >= ((%(as_of_date)s::date + 1)::timestamp AT TIME ZONE %(business_tz)s))
       )::bigint AS expected
