-- The rows of a staging table that finish keeps, set aside before it truncates the table.
CREATE TEMP TABLE tmp_kept_staging ON COMMIT DROP AS
SELECT s.*
FROM {table} s
WHERE {kept}
