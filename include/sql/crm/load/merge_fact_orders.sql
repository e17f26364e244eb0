-- customer_key: see select_customer_version_at.sql.
INSERT INTO core.fact_orders AS f
    (order_id, customer_id, customer_key, date_key, order_ts, status, channel, currency,
     discount_amount, shipping_amount, created_at, updated_at, run_id)
SELECT v.order_id, v.customer_id, k.customer_key, v.date_key, v.order_ts, v.status, v.channel,
       v.currency, v.discount_amount, v.shipping_amount, v.created_at, v.updated_at, %(run_id)s
FROM tmp_valid v
JOIN ({customer_version_at}) k ON k.order_id = v.order_id
ON CONFLICT (order_id) DO UPDATE
SET customer_id = excluded.customer_id, customer_key = excluded.customer_key,
    date_key = excluded.date_key, order_ts = excluded.order_ts, status = excluded.status,
    channel = excluded.channel, currency = excluded.currency,
    discount_amount = excluded.discount_amount, shipping_amount = excluded.shipping_amount,
    created_at = excluded.created_at, updated_at = excluded.updated_at, run_id = excluded.run_id
WHERE excluded.updated_at > f.updated_at;
