-- customer_key: the version of the order's canonical customer valid at order_ts.
INSERT INTO core.fact_orders AS f
    (order_id, customer_id, customer_key, date_key, order_ts, status, channel, currency,
     discount_amount, shipping_amount, created_at, updated_at, run_id)
SELECT v.order_id, v.customer_id, k.customer_key, v.date_key, v.order_ts, v.status, v.channel,
       v.currency, v.discount_amount, v.shipping_amount, v.created_at, v.updated_at, %(run_id)s
FROM tmp_valid v
LEFT JOIN core.customer_xref x ON x.customer_id = v.customer_id
CROSS JOIN LATERAL (
    SELECT d.customer_key
    FROM core.dim_customer d
    WHERE d.customer_id = COALESCE(x.canonical_customer_id, v.customer_id)
    ORDER BY d.valid_from <= v.order_ts DESC,
             CASE WHEN d.valid_from <= v.order_ts THEN d.valid_from END DESC,
             d.valid_from
    LIMIT 1
) k
ON CONFLICT (order_id) DO UPDATE
SET customer_id = excluded.customer_id, customer_key = excluded.customer_key,
    date_key = excluded.date_key, order_ts = excluded.order_ts, status = excluded.status,
    channel = excluded.channel, currency = excluded.currency,
    discount_amount = excluded.discount_amount, shipping_amount = excluded.shipping_amount,
    created_at = excluded.created_at, updated_at = excluded.updated_at, run_id = excluded.run_id
WHERE excluded.updated_at > f.updated_at;
