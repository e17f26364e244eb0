-- Bad rows of this batch (tmp_rejects) go to audit.quarantine with all their reasons.
-- An open entry for the same source row is superseded by a newer bad version; re-extracting
-- the same bad version (rerun, lookback) adds nothing.
UPDATE audit.quarantine q
SET released_at = now(), resolution = 'superseded'
FROM tmp_rejects r
WHERE q.source_table = %(source_table)s
  AND q.released_at IS NULL
  AND q.source_id = r.source_id
  AND q.source_updated_at IS DISTINCT FROM r.source_updated_at
  AND (q.source_updated_at IS NULL OR r.source_updated_at > q.source_updated_at);

INSERT INTO audit.quarantine (source_table, source_id, reasons, payload, run_id, source_updated_at, dag_id)
SELECT %(source_table)s, r.source_id, r.reasons, to_jsonb(s) - 'run_id' - 'staging_row', %(run_id)s,
       r.source_updated_at, %(dag_id)s
FROM tmp_rejects r
JOIN {staging_table} s ON s.run_id = %(run_id)s AND s.staging_row = r.staging_row
WHERE NOT EXISTS (
    SELECT 1 FROM audit.quarantine q
    WHERE q.source_table = %(source_table)s
      AND q.released_at IS NULL
      AND (q.source_id = r.source_id
           -- a row without a primary key can only be recognised by its content
           OR (r.source_id IS NULL AND q.source_id IS NULL
               AND q.payload = to_jsonb(s) - 'run_id' - 'staging_row'))
);
