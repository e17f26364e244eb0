-- The rows of agg_daily_metrics, every date <= D.
SELECT count(*) FROM marts.agg_daily_metrics WHERE metric_date <= %(as_of_date)s
