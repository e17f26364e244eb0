INSERT INTO tmp_orders
SELECT order_id FROM tmp_valid
UNION
SELECT order_id FROM core.fact_order_lines WHERE order_item_id IN (SELECT order_item_id FROM tmp_valid)
