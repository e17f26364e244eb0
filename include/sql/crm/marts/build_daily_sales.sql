-- Daily sales for the dates <= D being restated (every date, or those in %(days)s): late
-- status changes and refunds of old orders land on their own order date. Into a temp table,
-- so the scan runs with parallel workers (an INSERT ... SELECT runs serially);
-- insert_daily_sales.sql publishes it in the same transaction.
CREATE TEMP TABLE tmp_daily_sales ON COMMIT DROP AS
SELECT (f.order_ts AT TIME ZONE %(business_tz)s)::date AS sale_date,
       coalesce(d.country_code, 'ZZ') AS country_code,  -- inferred customers have no country yet
       f.channel,
       count(*)::integer AS orders,
       sum(f.items)::integer AS items,
       sum(f.net_amount) AS net_revenue,
       count(DISTINCT coalesce(x.canonical_customer_id, f.customer_id))::integer AS customers
FROM core.fact_orders f
JOIN core.dim_customer d ON d.customer_key = f.customer_key
LEFT JOIN core.customer_xref x ON x.customer_id = f.customer_id
WHERE f.status IN ('paid', 'shipped', 'delivered')
  AND f.order_ts < ((%(as_of_date)s::date + 1)::timestamp AT TIME ZONE %(business_tz)s)
  AND (%(restate_all)s OR (f.order_ts AT TIME ZONE %(business_tz)s)::date = ANY(%(days)s::date[]))
GROUP BY 1, 2, 3
