-- The months (UTC) the new events fall in: each needs its partition of fact_task_events.
SELECT DISTINCT date_trunc('month', occurred_at AT TIME ZONE 'UTC')::date AS month
FROM tmp_event_lines
WHERE verdict = 'new'
ORDER BY 1
