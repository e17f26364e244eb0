-- Bad lines, with every reason, and conflicting duplicates go to quarantine, keyed by
-- "<path>:<line>". A file is processed once, so a key is never quarantined twice.
INSERT INTO audit.quarantine (source_table, source_key, reasons, payload, run_id, dag_id)
SELECT %(source)s, path || ':' || line_no,
       CASE WHEN verdict = 'bad' THEN reasons ELSE ARRAY['conflicting_duplicate'] END,
       CASE WHEN verdict = 'bad' THEN jsonb_build_object('path', path, 'line_no', line_no, 'line', raw)
            ELSE jsonb_build_object('path', path, 'line_no', line_no, 'event', jsonb_strip_nulls(jsonb_build_object(
                'event_id', event_id, 'event_type', event_type, 'task_id', task_id, 'actor_id', actor_id,
                'occurred_at', occurred_at, 'from_status', from_status, 'to_status', to_status,
                'assignee_id', assignee_id, 'due_date', due_date))) END,
       %(run_id)s, %(dag_id)s
FROM tmp_event_lines
WHERE verdict IN ('bad', 'conflict')
ON CONFLICT (source_table, source_key) WHERE released_at IS NULL AND source_key IS NOT NULL DO NOTHING
