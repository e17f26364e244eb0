SELECT order_id AS key, updated_at, NULL::numeric AS amount FROM core.fact_orders
