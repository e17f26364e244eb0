-- The source products core holds (an inferred member stands for a product no row named yet).
SELECT product_id AS key, updated_at, NULL::numeric AS amount FROM core.dim_product WHERE NOT is_inferred
