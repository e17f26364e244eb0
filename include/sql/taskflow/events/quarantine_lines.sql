-- Bad lines, with every reason and their text, and conflicting duplicates, with the event they
-- carry, go to quarantine keyed by "<path>:<line>". A file is processed once, so a key is
-- never quarantined twice.
INSERT INTO audit.quarantine (source_table, source_key, reasons, payload, run_id, dag_id)
SELECT %(source)s, e.path || ':' || e.line_no, e.reasons, e.payload, %(run_id)s, %(dag_id)s
FROM tmp_event_exceptions e
WHERE e.verdict IN ('bad', 'conflict')
ON CONFLICT (source_table, source_key) WHERE released_at IS NULL AND source_key IS NOT NULL DO NOTHING
