-- daily_sales net_revenue for D equals the qualifying facts of D.
SELECT coalesce((SELECT sum(net_revenue) FROM marts.daily_sales WHERE sale_date = %(as_of_date)s), 0) AS observed,
       coalesce((SELECT sum(f.net_amount) FROM core.fact_orders f
                 WHERE f.status IN ('paid', 'shipped', 'delivered')
                   AND (f.order_ts AT TIME ZONE %(business_tz)s)::date = %(as_of_date)s), 0) AS expected
