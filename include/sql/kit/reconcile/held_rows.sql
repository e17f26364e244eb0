-- What the warehouse holds of a source table as of the interval end, one row per natural key:
-- core's row (with its amount) unless the key is open in quarantine, else the quarantined
-- version; keys the source changed at or after the interval end (tmp_reconcile_late) left out.
WITH open_quarantine AS (
    SELECT source_id AS key, source_updated_at AS updated_at
    FROM audit.quarantine
    WHERE dag_id = %(dag_id)s AND source_table = %(source_table)s AND released_at IS NULL
), held AS (
    SELECT c.key, c.updated_at, c.amount
    FROM ({core_rows}) c
    WHERE c.updated_at < %(interval_end)s
      AND NOT EXISTS (SELECT 1 FROM open_quarantine q WHERE q.key = c.key)
    UNION ALL
    SELECT q.key, q.updated_at, NULL::numeric
    FROM open_quarantine q
    WHERE q.updated_at < %(interval_end)s OR q.updated_at IS NULL
)
SELECT h.key, h.updated_at, h.amount
FROM held h
WHERE NOT EXISTS (SELECT 1 FROM tmp_reconcile_late l WHERE l.key = h.key)
