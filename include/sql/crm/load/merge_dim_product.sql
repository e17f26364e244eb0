-- SCD1 upsert. A row is never overwritten by an older version; an inferred member is filled in.
INSERT INTO core.dim_product AS p
    (product_id, sku, name, category, list_price, is_active, created_at, updated_at, is_inferred, run_id)
SELECT product_id, sku, name, category, list_price, is_active, created_at, updated_at, false, %(run_id)s
FROM tmp_valid
ON CONFLICT (product_id) DO UPDATE
SET sku = excluded.sku, name = excluded.name, category = excluded.category,
    list_price = excluded.list_price, is_active = excluded.is_active,
    created_at = excluded.created_at, updated_at = excluded.updated_at,
    is_inferred = false, run_id = excluded.run_id
WHERE p.is_inferred OR excluded.updated_at > p.updated_at;
