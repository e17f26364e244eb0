-- The processed files enter the manifest in the transaction that loads their lines, with
-- where each line went: lines = loaded + duplicates + quarantined.
INSERT INTO audit.file_manifest (dag_id, source, path, size, checksum, lines, loaded, duplicates,
                                 quarantined, run_id)
SELECT %(dag_id)s, %(source)s, f.path, f.size, f.checksum, f.lines,
       count(l.line_no) FILTER (WHERE l.verdict = 'new'),
       count(l.line_no) FILTER (WHERE l.verdict = 'duplicate'),
       count(l.line_no) FILTER (WHERE l.verdict IN ('bad', 'conflict')),
       %(run_id)s
FROM tmp_event_files f
LEFT JOIN tmp_event_lines l ON l.path = f.path
GROUP BY f.path, f.size, f.checksum, f.lines
