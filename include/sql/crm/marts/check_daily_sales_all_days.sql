-- Every day <= D of daily_sales agrees with the facts on orders, items and net revenue (a
-- safety net under the restatement of changed days only): observed = days that differ.
WITH facts AS (
    SELECT (order_ts AT TIME ZONE %(business_tz)s)::date AS sale_date,
           count(*) AS orders, sum(items) AS items, sum(net_amount) AS net_revenue
    FROM core.fact_orders
    WHERE status IN ('paid', 'shipped', 'delivered')
      AND order_ts < ((%(as_of_date)s::date + 1)::timestamp AT TIME ZONE %(business_tz)s)
    GROUP BY 1
),
mart AS (
    SELECT sale_date, sum(orders) AS orders, sum(items) AS items, sum(net_revenue) AS net_revenue
    FROM marts.daily_sales
    WHERE sale_date <= %(as_of_date)s
    GROUP BY 1
)
SELECT count(*) AS observed, 0 AS expected
FROM facts FULL JOIN mart USING (sale_date)
WHERE (facts.orders, facts.items, facts.net_revenue) IS DISTINCT FROM (mart.orders, mart.items, mart.net_revenue)
