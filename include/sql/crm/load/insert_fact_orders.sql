-- customer_key: see select_customer_version_at.sql. The amounts are valued in the same
-- statement, from the order's lines already in core ({line_totals}: order_line_totals.sql;
-- lines can arrive before their order): the order is written once, not re-valued after.
INSERT INTO core.fact_orders AS f
    (order_id, customer_id, customer_key, date_key, order_ts, status, channel, currency,
     discount_amount, shipping_amount, gross_amount, net_amount, items, created_at, updated_at, run_id)
SELECT v.order_id, v.customer_id, k.customer_key, v.date_key, v.order_ts, v.status, v.channel,
       v.currency, v.discount_amount, v.shipping_amount, COALESCE(t.gross, 0),
       COALESCE(t.gross, 0) - v.discount_amount, COALESCE(t.items, 0), v.created_at, v.updated_at, %(run_id)s
FROM tmp_valid v
JOIN ({customer_version_at}) k ON k.order_id = v.order_id
LEFT JOIN ({line_totals}) t ON t.order_id = v.order_id
