-- A correction of a version in place (same validity, new attributes).
UPDATE core.dim_customer d
SET {assignments}, is_inferred = false
FROM tmp_update u
WHERE d.customer_key = u.customer_key
