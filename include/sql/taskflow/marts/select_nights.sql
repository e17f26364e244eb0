-- Where night D stands: the latest published night (agg_daily_metrics holds every date <= it)
-- and whether D itself has been published before.
SELECT (SELECT max(business_date) FROM marts.taskflow_published_nights) AS latest_night,
       EXISTS (SELECT 1 FROM marts.taskflow_published_nights WHERE business_date = %(as_of_date)s) AS published
