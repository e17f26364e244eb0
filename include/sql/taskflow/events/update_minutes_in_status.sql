-- Events already in the fact whose minutes in the previous status a new event changed.
UPDATE core.fact_task_events f
SET minutes_in_previous_status = m.computed
FROM tmp_minutes m
WHERE NOT m.is_new
  AND m.stored IS DISTINCT FROM m.computed
  AND f.task_key = m.task_key AND f.occurred_at = m.occurred_at AND f.event_id = m.event_id
