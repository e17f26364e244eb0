-- Segments are exclusive (one known segment per row) and exhaustive (every customer of the
-- population has a row): observed = rows without a known segment + population rows missing.
WITH bounds AS (
    SELECT ((%(as_of_date)s::date + 1)::timestamp AT TIME ZONE %(business_tz)s) AS cutoff
),
population AS (
    SELECT x.customer_id FROM core.customer_xref x, bounds b
    WHERE x.customer_id = x.canonical_customer_id AND x.created_at < b.cutoff
      AND (x.deleted_at IS NULL OR x.deleted_at >= b.cutoff)
),
snapshot AS (SELECT * FROM marts.customer_segments WHERE as_of_date = %(as_of_date)s)
SELECT (SELECT count(*) FROM snapshot
        WHERE segment IS NULL OR segment NOT IN (
            'champion', 'loyal', 'potential_loyalist', 'new_customer', 'promising', 'need_attention',
            'about_to_sleep', 'at_risk', 'cant_lose', 'hibernating', 'lost', 'prospect'))
     + (SELECT count(*) FROM population p WHERE NOT EXISTS (SELECT 1 FROM snapshot s WHERE s.customer_id = p.customer_id))
     + (SELECT count(*) FROM snapshot s WHERE NOT EXISTS (SELECT 1 FROM population p WHERE p.customer_id = s.customer_id))
       AS observed,
       0 AS expected
