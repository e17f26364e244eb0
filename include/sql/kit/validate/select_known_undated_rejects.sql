-- Open quarantine rows without updated_at: they come back every night, and count against the
-- gates only the first time.
SELECT source_id FROM audit.quarantine
WHERE source_table = %(source_table)s AND released_at IS NULL
  AND source_updated_at IS NULL AND source_id IS NOT NULL
