-- The partitions of a staging table partitioned by run_id: schema and name of each.
SELECT n.nspname, c.relname
FROM pg_inherits i
JOIN pg_class c ON c.oid = i.inhrelid
JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE i.inhparent = %(table)s::regclass
ORDER BY c.relname
