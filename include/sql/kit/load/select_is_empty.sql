-- Whether {table} holds no row and is a plain table: a partitioned one keeps its indexes (its
-- partitions' are built with them; pg_get_indexdef prints the parent's ON ONLY).
SELECT NOT EXISTS (SELECT 1 FROM {table})
   AND (SELECT relkind <> 'p' FROM pg_class WHERE oid = %(table)s::regclass)
