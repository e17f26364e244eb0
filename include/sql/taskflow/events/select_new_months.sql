-- The UTC months of the run's valid lines (counted while staging): each needs its partition of
-- fact_task_events. A month only a duplicate or a conflicting line falls in gets an empty one.
SELECT make_date((k.id / 100)::integer, (k.id %% 100)::integer, 1)
FROM staging.taskflow_event_keys k
WHERE k.run_id = %(run_id)s AND k.kind = 'month'
ORDER BY 1
