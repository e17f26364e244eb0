-- Which customer version an order gets: its canonical customer's version valid at order_ts
-- (the latest valid_from <= order_ts; first versions start in 1900, so one always exists).
-- {o} is the alias of the row that carries customer_id and order_ts.
SELECT d.customer_key
FROM core.dim_customer d
WHERE d.customer_id = COALESCE(
    (SELECT x.canonical_customer_id FROM core.customer_xref x WHERE x.customer_id = {o}.customer_id),
    {o}.customer_id)
ORDER BY d.valid_from <= {o}.order_ts DESC,
         CASE WHEN d.valid_from <= {o}.order_ts THEN d.valid_from END DESC,
         d.valid_from
LIMIT 1
