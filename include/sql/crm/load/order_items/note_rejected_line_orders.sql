-- Orders to re-value: of this batch's lines, including the orders lines leave.
INSERT INTO tmp_orders
SELECT order_id FROM core.fact_order_lines WHERE order_item_id IN (SELECT source_id FROM tmp_rejects)
