-- customer_key and date_key follow the line's order (NULL until the order loads).
INSERT INTO core.fact_order_lines AS l
    (order_item_id, order_id, product_id, product_key, customer_key, date_key, quantity,
     unit_price, line_amount, created_at, updated_at, run_id)
SELECT v.order_item_id, v.order_id, v.product_id, p.product_key, o.customer_key, o.date_key,
       v.quantity, v.unit_price, v.line_amount, v.created_at, v.updated_at, %(run_id)s
FROM tmp_valid v
JOIN core.dim_product p ON p.product_id = v.product_id
LEFT JOIN core.fact_orders o ON o.order_id = v.order_id
