-- Drop from a staging table every row finish does not keep (select_kept_staging.sql).
DELETE FROM {table} s
WHERE NOT {kept}
