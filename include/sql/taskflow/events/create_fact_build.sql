-- Where a first load's builders put the fact's rows: a table partitioned as the fact, whose
-- partitions become the fact's (attach_fact_build_partition.sql). Anything an earlier attempt
-- left goes first.
DROP TABLE IF EXISTS staging.taskflow_fact_build;
CREATE TABLE staging.taskflow_fact_build (LIKE core.fact_task_events INCLUDING DEFAULTS)
    PARTITION BY RANGE (occurred_at)
