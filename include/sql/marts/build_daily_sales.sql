-- Daily sales for every date <= D, restated from the current warehouse each night (late
-- status changes and refunds of old orders land on their own order date).
INSERT INTO marts.daily_sales (sale_date, country_code, channel, orders, items, net_revenue, customers)
SELECT (f.order_ts AT TIME ZONE %(business_tz)s)::date AS sale_date,
       coalesce(d.country_code, 'ZZ') AS country_code,  -- inferred customers have no country yet
       f.channel,
       count(*)::integer,
       coalesce(sum(li.units), 0)::integer,
       sum(f.net_amount),
       count(DISTINCT coalesce(x.canonical_customer_id, f.customer_id))::integer
FROM core.fact_orders f
JOIN core.dim_customer d ON d.customer_key = f.customer_key
LEFT JOIN core.customer_xref x ON x.customer_id = f.customer_id
LEFT JOIN (SELECT order_id, sum(quantity) AS units FROM core.fact_order_lines GROUP BY order_id) li
       ON li.order_id = f.order_id
WHERE f.status IN ('paid', 'shipped', 'delivered')
  AND f.order_ts < ((%(as_of_date)s::date + 1)::timestamp AT TIME ZONE %(business_tz)s)
GROUP BY 1, 2, 3
