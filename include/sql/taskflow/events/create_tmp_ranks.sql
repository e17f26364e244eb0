-- The valid lines of the files this load processes whose event_id repeats within the run
-- (staging.taskflow_event_repeats, found by extract_events): ranked in (dt, path, line) order,
-- with their content and the content of the first of them. The content is every contract
-- field (occurred_at as an instant), hashed to 64 bits.
CREATE TEMP TABLE tmp_event_ranks ON COMMIT DROP AS
SELECT r.*, first_value(r.content_hash) OVER w AS first_hash, row_number() OVER w AS seen
FROM (SELECT l.path, l.line_no, l.line_key, l.dt, l.event_id, l.event_type, l.task_id, l.actor_id, l.occurred_at,
             l.from_status, l.to_status, l.assignee_id, l.due_date,
             hash_record_extended(ROW(l.event_type, l.task_id, l.actor_id, l.occurred_at, l.from_status,
                                      l.to_status, l.assignee_id, l.due_date), 0) AS content_hash
      FROM staging.taskflow_event_lines l
      JOIN staging.taskflow_event_repeats x ON x.run_id = l.run_id AND x.event_id = l.event_id
      WHERE l.run_id = %(run_id)s AND l.reasons IS NULL) r
WINDOW w AS (PARTITION BY r.event_id ORDER BY r.dt, r.path COLLATE "C", r.line_no);
ANALYZE tmp_event_ranks
