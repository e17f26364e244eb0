-- Re-resolve customer_key for the orders of the customers in tmp_customers (their person or
-- their versions changed). Lines follow in update_line_keys.sql.
INSERT INTO tmp_orders (order_id)
SELECT f.order_id FROM core.fact_orders f WHERE f.customer_id IN (SELECT customer_id FROM tmp_customers);

UPDATE core.fact_orders f
SET customer_key = k.customer_key
FROM core.fact_orders f2
LEFT JOIN core.customer_xref x ON x.customer_id = f2.customer_id
CROSS JOIN LATERAL (
    SELECT d.customer_key
    FROM core.dim_customer d
    WHERE d.customer_id = COALESCE(x.canonical_customer_id, f2.customer_id)
    ORDER BY d.valid_from <= f2.order_ts DESC,
             CASE WHEN d.valid_from <= f2.order_ts THEN d.valid_from END DESC,
             d.valid_from
    LIMIT 1
) k
WHERE f2.customer_id IN (SELECT customer_id FROM tmp_customers)
  AND f.order_id = f2.order_id
  AND f.customer_key IS DISTINCT FROM k.customer_key;
