-- The files this load processes: staged by this run and still not in the manifest (a run
-- beside this one may have processed some meanwhile; the load lock orders the two).
CREATE TEMP TABLE tmp_event_files ON COMMIT DROP AS
SELECT f.path, f.dt, f.size, f.checksum, f.lines
FROM staging.taskflow_event_files f
WHERE f.run_id = %(run_id)s
  AND NOT EXISTS (SELECT 1 FROM audit.file_manifest m
                  WHERE m.dag_id = %(dag_id)s AND m.source = %(source)s AND m.path = f.path);
ANALYZE tmp_event_files
