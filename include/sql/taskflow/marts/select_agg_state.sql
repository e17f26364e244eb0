-- agg_daily_metrics' build state (no row: none, every fact is counted again), and night D's
-- cutoff: D+1 00:00 in the business timezone.
SELECT s.business_date, s.cutoff AS previous_cutoff, s.business_tz,
       ((%(as_of_date)s::date + 1)::timestamp AT TIME ZONE %(business_tz)s) AS cutoff
FROM (SELECT 1) one
LEFT JOIN marts.agg_daily_metrics_state s ON true
