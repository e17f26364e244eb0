SELECT column_name, data_type FROM information_schema.columns
WHERE table_schema = %(schema)s AND table_name = %(table)s
