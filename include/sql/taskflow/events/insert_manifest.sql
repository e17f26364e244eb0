-- The processed files enter the manifest in the transaction that loads their lines, with
-- where each line went: the duplicates and the quarantined of tmp_event_exceptions, every
-- other line loaded. load_events holds the loaded lines to the rows the fact received.
INSERT INTO audit.file_manifest (dag_id, source, path, size, checksum, lines, loaded, duplicates,
                                 quarantined, run_id)
SELECT %(dag_id)s, %(source)s, f.path, f.size, f.checksum, f.lines,
       f.lines - coalesce(e.duplicates, 0) - coalesce(e.quarantined, 0),
       coalesce(e.duplicates, 0), coalesce(e.quarantined, 0), %(run_id)s
FROM tmp_event_files f
LEFT JOIN (SELECT path, count(*) FILTER (WHERE verdict = 'duplicate') AS duplicates,
                  count(*) FILTER (WHERE verdict IN ('bad', 'conflict')) AS quarantined
           FROM tmp_event_exceptions GROUP BY path) e ON e.path = f.path
