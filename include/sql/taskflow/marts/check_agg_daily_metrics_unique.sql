-- (metric_date, project_id) appears once in agg_daily_metrics: observed = keys found twice or more.
SELECT count(*) AS observed, 0 AS expected
FROM (SELECT 1 FROM marts.agg_daily_metrics
      WHERE metric_date <= %(as_of_date)s
      GROUP BY metric_date, project_id
      HAVING count(*) > 1) twice
