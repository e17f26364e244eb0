UPDATE core.dim_customer d
SET valid_to = c.valid_to, is_current = false
FROM tmp_close c
WHERE d.customer_key = c.customer_key
