-- The cells now count night D: its cutoff and the business timezone they counted in.
INSERT INTO marts.agg_daily_metrics_state (business_date, cutoff, business_tz)
VALUES (%(as_of_date)s, %(cutoff)s, %(business_tz)s)
ON CONFLICT (one) DO UPDATE
SET business_date = excluded.business_date, cutoff = excluded.cutoff, business_tz = excluded.business_tz
