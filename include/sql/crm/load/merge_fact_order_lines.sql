-- insert_fact_order_lines.sql, merged into what core holds: the newer source version wins.
{insert}
ON CONFLICT (order_item_id) DO UPDATE
SET order_id = excluded.order_id, product_id = excluded.product_id,
    product_key = excluded.product_key, customer_key = excluded.customer_key,
    date_key = excluded.date_key, quantity = excluded.quantity, unit_price = excluded.unit_price,
    line_amount = excluded.line_amount, created_at = excluded.created_at,
    updated_at = excluded.updated_at, run_id = excluded.run_id
WHERE excluded.updated_at > l.updated_at;
