(SELECT order_id, customer_id, order_ts FROM core.fact_orders
 WHERE customer_id IN (SELECT customer_id FROM tmp_customers))
