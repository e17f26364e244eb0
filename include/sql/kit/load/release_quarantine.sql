-- A valid version that is not newer than an open quarantine entry is stale: keep it out.
DELETE FROM tmp_valid v
USING audit.quarantine q
WHERE q.source_table = %(source_table)s
  AND q.released_at IS NULL
  AND q.source_id = v.{primary_key}
  AND q.source_updated_at >= v.updated_at;

-- A newer valid version fixes the quarantined row: it loads and the entry is released.
UPDATE audit.quarantine q
SET released_at = now(), resolution = 'fixed'
FROM tmp_valid v
WHERE q.source_table = %(source_table)s
  AND q.released_at IS NULL
  AND q.source_id = v.{primary_key};
