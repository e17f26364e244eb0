-- Every row of agg_daily_metrics up to night D, as a condition on alias m.
m.metric_date <= %(as_of_date)s
