-- The months (UTC) the new events span: each needs its partition of fact_task_events.
SELECT generate_series(date_trunc('month', min(occurred_at) AT TIME ZONE 'UTC'),
                       date_trunc('month', max(occurred_at) AT TIME ZONE 'UTC'), interval '1 month')::date
FROM tmp_event_lines
WHERE verdict = 'new'
HAVING count(*) > 0
