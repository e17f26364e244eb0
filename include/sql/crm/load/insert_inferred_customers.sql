-- Kimball inferred members: an order whose customer has not loaded yet gets a placeholder
-- dim_customer row keyed by the order's customer_id. It is filled in when the customer loads.
INSERT INTO core.dim_customer (customer_id, valid_from, is_inferred)
SELECT DISTINCT COALESCE(x.canonical_customer_id, v.customer_id), timestamptz '1900-01-01 00:00+00', true
FROM tmp_valid v
LEFT JOIN core.customer_xref x ON x.customer_id = v.customer_id
WHERE NOT EXISTS (
    SELECT 1 FROM core.dim_customer d
    WHERE d.customer_id = COALESCE(x.canonical_customer_id, v.customer_id)
);
