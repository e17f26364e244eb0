-- An inferred member whose customer turned out to be a duplicate of another person is no
-- longer referenced once its orders moved to the canonical customer: remove it.
DELETE FROM core.dim_customer d
WHERE d.is_inferred
  AND d.customer_id IN (SELECT customer_id FROM tmp_customers)
  AND EXISTS (SELECT 1 FROM core.customer_xref x
              WHERE x.customer_id = d.customer_id AND x.canonical_customer_id <> d.customer_id)
  AND NOT EXISTS (SELECT 1 FROM core.fact_orders f WHERE f.customer_key = d.customer_key);
