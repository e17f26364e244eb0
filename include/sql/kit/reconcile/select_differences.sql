-- The keys where the source and the warehouse differ, by kind, with how many of each kind and
-- a sample of the smallest keys.
WITH compared AS (
    SELECT coalesce(s.key, h.key) AS key,
           CASE WHEN h.present IS NULL THEN 'missing' WHEN s.present IS NULL THEN 'extra'
                ELSE 'out_of_date' END AS kind
    FROM (SELECT key, updated_at, true AS present FROM tmp_reconcile_source) s
    FULL JOIN (SELECT key, updated_at, true AS present FROM tmp_reconcile_held) h ON s.key = h.key
    WHERE s.present IS NULL OR h.present IS NULL OR s.updated_at IS DISTINCT FROM h.updated_at
)
SELECT kind, count(*) AS n, (array_agg(key ORDER BY key))[1:%(sample)s] AS sample
FROM compared
GROUP BY kind
