-- Inferred members for products that order lines reference before the product loads.
INSERT INTO core.dim_product (product_id, is_inferred, run_id)
SELECT DISTINCT v.product_id, true, %(run_id)s
FROM tmp_valid v
WHERE NOT EXISTS (SELECT 1 FROM core.dim_product p WHERE p.product_id = v.product_id)
ON CONFLICT (product_id) DO NOTHING;
