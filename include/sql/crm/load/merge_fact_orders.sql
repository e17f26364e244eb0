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
ON CONFLICT (order_id) DO UPDATE
SET customer_id = excluded.customer_id, customer_key = excluded.customer_key,
    date_key = excluded.date_key, order_ts = excluded.order_ts, status = excluded.status,
    channel = excluded.channel, currency = excluded.currency,
    discount_amount = excluded.discount_amount, shipping_amount = excluded.shipping_amount,
    gross_amount = excluded.gross_amount, net_amount = excluded.net_amount, items = excluded.items,
    created_at = excluded.created_at, updated_at = excluded.updated_at, run_id = excluded.run_id
WHERE excluded.updated_at > f.updated_at;
