-- What this run's files brought, over every attempt of the run (a retry finds them processed).
SELECT count(*) AS files, coalesce(sum(lines), 0) AS lines, coalesce(sum(loaded), 0) AS loaded,
       coalesce(sum(duplicates), 0) AS duplicates, coalesce(sum(quarantined), 0) AS quarantined
FROM audit.file_manifest
WHERE dag_id = %(dag_id)s AND source = %(source)s AND run_id = %(run_id)s
