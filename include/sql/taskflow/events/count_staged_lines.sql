-- The run's staged lines of files not yet in the manifest, as the gates count them: all lines,
-- lines with every key field, lines that broke a rule.
SELECT count(*),
       count(*) FILTER (WHERE l.event_id IS NOT NULL AND l.event_type IS NOT NULL
                          AND l.task_id IS NOT NULL AND l.occurred_at IS NOT NULL),
       count(*) FILTER (WHERE l.reasons IS NOT NULL)
FROM staging.taskflow_event_lines l
WHERE l.run_id = %(run_id)s
  AND NOT EXISTS (SELECT 1 FROM audit.file_manifest m
                  WHERE m.dag_id = %(dag_id)s AND m.source = %(source)s AND m.path = l.path)
