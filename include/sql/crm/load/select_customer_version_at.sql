-- Which customer version an order gets: its canonical customer's version valid at order_ts
-- (the latest valid_from <= order_ts; first versions start in 1900, so one always exists).
-- The relation `orders` is of (order_id, customer_id, order_ts); one row per order comes out.
-- Set-based (DISTINCT ON), so a full load joins once instead of probing per order.
SELECT DISTINCT ON (o.order_id) o.order_id, d.customer_key
FROM {orders} o
LEFT JOIN core.customer_xref x ON x.customer_id = o.customer_id
JOIN core.dim_customer d ON d.customer_id = COALESCE(x.canonical_customer_id, o.customer_id)
ORDER BY o.order_id,
         d.valid_from <= o.order_ts DESC,
         CASE WHEN d.valid_from <= o.order_ts THEN d.valid_from END DESC,
         d.valid_from
