-- Whether a staging table is partitioned (by run_id: one partition per run's batch).
SELECT EXISTS (SELECT 1 FROM pg_partitioned_table WHERE partrelid = %(table)s::regclass)
