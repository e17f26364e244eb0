DROP TABLE IF EXISTS staging.taskflow_fact_build
