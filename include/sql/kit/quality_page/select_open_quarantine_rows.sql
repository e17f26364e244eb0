-- The pipeline's open quarantine rows, for the CSV download (one table, or every table).
SELECT source_table, coalesce(source_id::text, source_key) AS source_key, array_to_string(reasons, '; ') AS reasons,
       source_updated_at, quarantined_at, run_id, payload::text AS payload
FROM audit.quarantine
WHERE dag_id = %(dag_id)s AND released_at IS NULL
  AND (%(source_table)s::text IS NULL OR source_table = %(source_table)s::text)
ORDER BY source_table, quarantined_at, quarantine_id
