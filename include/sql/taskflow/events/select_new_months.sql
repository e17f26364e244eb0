-- The months (UTC) the new events span: each needs its partition of fact_task_events.
SELECT generate_series(date_trunc('month', first_at AT TIME ZONE 'UTC'),
                       date_trunc('month', last_at AT TIME ZONE 'UTC'), interval '1 month')::date
FROM tmp_event_span
WHERE first_at IS NOT NULL
