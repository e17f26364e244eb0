-- Bad lines, with every reason and their text, and conflicting duplicates go to quarantine,
-- keyed by "<path>:<line>". A file is processed once, so a key is never quarantined twice.
INSERT INTO audit.quarantine (source_table, source_key, reasons, payload, run_id, dag_id)
SELECT %(source)s, l.path || ':' || l.line_no,
       CASE WHEN l.verdict = 'bad' THEN s.reasons ELSE ARRAY['conflicting_duplicate'] END,
       CASE WHEN l.verdict = 'bad' THEN jsonb_build_object('path', l.path, 'line_no', l.line_no, 'line', s.raw)
            ELSE jsonb_build_object('path', l.path, 'line_no', l.line_no, 'event', jsonb_strip_nulls(jsonb_build_object(
                'event_id', l.event_id, 'event_type', l.event_type, 'task_id', l.task_id, 'actor_id', l.actor_id,
                'occurred_at', l.occurred_at, 'from_status', l.from_status, 'to_status', l.to_status,
                'assignee_id', l.assignee_id, 'due_date', l.due_date))) END,
       %(run_id)s, %(dag_id)s
FROM tmp_event_lines l
LEFT JOIN staging.taskflow_event_lines s
    ON s.run_id = %(run_id)s AND s.path = l.path AND s.line_no = l.line_no AND s.reasons IS NOT NULL AND l.verdict = 'bad'
WHERE l.verdict IN ('bad', 'conflict')
ON CONFLICT (source_table, source_key) WHERE released_at IS NULL AND source_key IS NOT NULL DO NOTHING
