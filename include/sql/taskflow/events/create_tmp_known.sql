-- The valid lines whose event_id a run before this one loaded (core.task_event_ids), with
-- their content and the loaded event's. Skipped while the registry is empty (a first load).
CREATE TEMP TABLE tmp_event_known ON COMMIT DROP AS
SELECT l.path, l.line_no, l.line_key, l.event_id, l.event_type, l.task_id, l.actor_id, l.occurred_at,
       l.from_status, l.to_status, l.assignee_id, l.due_date,
       hash_record_extended(ROW(l.event_type, l.task_id, l.actor_id, l.occurred_at, l.from_status,
                                l.to_status, l.assignee_id, l.due_date), 0) AS content_hash,
       k.content_hash AS known_hash
FROM staging.taskflow_event_lines l
JOIN core.task_event_ids k ON k.event_id = l.event_id
WHERE l.run_id = %(run_id)s AND l.reasons IS NULL
  AND EXISTS (SELECT 1 FROM core.task_event_ids)
