SELECT reltuples FROM pg_class WHERE oid = %(table)s::regclass
