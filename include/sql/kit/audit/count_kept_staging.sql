-- Rows of a staging table that finish keeps (the rule: select_kept_staging.sql), and all rows.
SELECT count(*) FILTER (WHERE {kept}) AS kept, count(*) AS total
FROM {table} s
