-- insert_fact_orders.sql, merged into what core holds: the newer source version wins.
{insert}
ON CONFLICT (order_id) DO UPDATE
SET customer_id = excluded.customer_id, customer_key = excluded.customer_key,
    date_key = excluded.date_key, order_ts = excluded.order_ts, status = excluded.status,
    channel = excluded.channel, currency = excluded.currency,
    discount_amount = excluded.discount_amount, shipping_amount = excluded.shipping_amount,
    gross_amount = excluded.gross_amount, net_amount = excluded.net_amount, items = excluded.items,
    created_at = excluded.created_at, updated_at = excluded.updated_at, run_id = excluded.run_id
WHERE excluded.updated_at > f.updated_at;
