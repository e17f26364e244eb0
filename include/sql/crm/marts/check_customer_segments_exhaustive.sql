-- Segments are exclusive (one known segment per row) and exhaustive (every customer of the
-- population has a row): observed = rows without a known segment + population rows missing
-- + rows outside the population, counted in one pass (population and snapshot are each
-- unique by customer_id: the xref key and check_customer_segments_unique.sql).
WITH bounds AS (
    SELECT ((%(as_of_date)s::date + 1)::timestamp AT TIME ZONE %(business_tz)s) AS cutoff
),
population AS (
    SELECT x.customer_id FROM core.customer_xref x, bounds b
    WHERE x.customer_id = x.canonical_customer_id AND x.created_at < b.cutoff
      AND (x.deleted_at IS NULL OR x.deleted_at >= b.cutoff)
),
snapshot AS (
    SELECT customer_id, segment FROM marts.customer_segments WHERE as_of_date = %(as_of_date)s
)
SELECT count(*) FILTER (
           WHERE s.customer_id IS NOT NULL
             AND (s.segment IS NULL OR s.segment NOT IN (
                 'champion', 'loyal', 'potential_loyalist', 'new_customer', 'promising', 'need_attention',
                 'about_to_sleep', 'at_risk', 'cant_lose', 'hibernating', 'lost', 'prospect')))
     + count(*) FILTER (WHERE s.customer_id IS NULL)
     + count(*) FILTER (WHERE p.customer_id IS NULL)
       AS observed,
       0 AS expected
FROM snapshot s
FULL JOIN population p ON p.customer_id = s.customer_id
