INSERT INTO tmp_orders SELECT order_id FROM tmp_valid
