-- The indexes of a table, the primary key only when %(primary_key)s, in the order they were
-- made: a primary key's, unique or exclusion constraint's name and definition (built again with
-- ALTER TABLE ... ADD CONSTRAINT), any other index's CREATE INDEX statement as the catalog
-- prints it.
SELECT n.nspname AS index_schema, ic.relname AS index_name, c.conname AS constraint_name,
       pg_get_constraintdef(c.oid) AS constraint_def, pg_get_indexdef(i.indexrelid) AS index_def
FROM pg_index i
JOIN pg_class ic ON ic.oid = i.indexrelid
JOIN pg_namespace n ON n.oid = ic.relnamespace
LEFT JOIN pg_constraint c ON c.conindid = i.indexrelid AND c.conrelid = i.indrelid AND c.contype IN ('p', 'u', 'x')
WHERE i.indrelid = %(table)s::regclass AND (%(primary_key)s OR NOT i.indisprimary)
ORDER BY i.indexrelid
