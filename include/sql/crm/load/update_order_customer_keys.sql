-- Re-resolve customer_key for the orders of the customers in tmp_customers (their person or
-- their versions changed). Lines follow in update_line_keys.sql.
INSERT INTO tmp_orders (order_id)
SELECT f.order_id FROM core.fact_orders f WHERE f.customer_id IN (SELECT customer_id FROM tmp_customers);

UPDATE core.fact_orders f
SET customer_key = k.customer_key
FROM ({customer_version_at}) k
WHERE f.order_id = k.order_id
  AND f.customer_key IS DISTINCT FROM k.customer_key;
