-- How a staging table holds its batches: partitioned by run_id (one partition per run's
-- batch) or not, and unlogged or not.
SELECT EXISTS (SELECT 1 FROM pg_partitioned_table WHERE partrelid = %(table)s::regclass) AS partitioned,
       (SELECT relpersistence = 'u' FROM pg_class WHERE oid = %(table)s::regclass) AS unlogged
