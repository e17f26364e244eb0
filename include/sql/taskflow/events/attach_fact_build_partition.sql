-- A built month in place of the fact's empty one (the load checked the fact empty under its lock).
ALTER TABLE staging.taskflow_fact_build DETACH PARTITION {built};
DROP TABLE IF EXISTS {partition};
ALTER TABLE {built} SET SCHEMA core;
ALTER TABLE core.fact_task_events ATTACH PARTITION {partition} FOR VALUES FROM ({low}) TO ({high})
