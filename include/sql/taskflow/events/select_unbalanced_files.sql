-- Files whose lines are not all accounted for (never expected: the load then rolls back).
SELECT path, lines, loaded, duplicates, quarantined
FROM audit.file_manifest
WHERE dag_id = %(dag_id)s AND source = %(source)s AND run_id = %(run_id)s
  AND lines <> loaded + duplicates + quarantined
