-- Lines take customer_key and date_key from their order (for orders in tmp_orders).
UPDATE core.fact_order_lines l
SET customer_key = o.customer_key, date_key = o.date_key
FROM core.fact_orders o
WHERE o.order_id = l.order_id
  AND o.order_id IN (SELECT order_id FROM tmp_orders)
  AND (l.customer_key, l.date_key) IS DISTINCT FROM (o.customer_key, o.date_key);
