-- The new events ({new_lines}: new_lines.sql): their event_id is taken, with a hash of their
-- content (core.task_event_ids: later runs find repeats of them there).
INSERT INTO core.task_event_ids (event_id, content_hash)
SELECT l.event_id,
       hash_record_extended(ROW(l.event_type, l.task_id, l.actor_id, l.occurred_at, l.from_status,
                                l.to_status, l.assignee_id, l.due_date), 0)
FROM {new_lines} l
