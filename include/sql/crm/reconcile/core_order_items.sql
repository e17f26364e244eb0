SELECT order_item_id AS key, updated_at, line_amount AS amount FROM core.fact_order_lines
