-- The partition that holds night D's rows.
SELECT n.nspname, c.relname
FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE c.oid = (SELECT tableoid FROM marts.customer_segments WHERE as_of_date = %(as_of_date)s LIMIT 1)
