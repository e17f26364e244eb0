-- Newest version of each source customer wins. New customers start as their own canonical
-- customer; assign_canonical (transforms.py) settles the person right after.
INSERT INTO core.customer_xref AS x
    (customer_id, canonical_customer_id, email, first_name, last_name, country_code, city,
     marketing_opt_in, created_at, updated_at, deleted_at, run_id)
SELECT customer_id, customer_id, email, first_name, last_name, country_code, city,
       marketing_opt_in, created_at, updated_at, deleted_at, %(run_id)s
FROM tmp_valid
ON CONFLICT (customer_id) DO UPDATE
SET email = excluded.email, first_name = excluded.first_name, last_name = excluded.last_name,
    country_code = excluded.country_code, city = excluded.city,
    marketing_opt_in = excluded.marketing_opt_in, created_at = excluded.created_at,
    updated_at = excluded.updated_at, deleted_at = excluded.deleted_at, run_id = excluded.run_id
WHERE excluded.updated_at > x.updated_at;
