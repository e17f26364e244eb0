-- One month of staging.taskflow_fact_build, bounded as the fact's (create_month_partition.sql).
CREATE TABLE {partition} PARTITION OF staging.taskflow_fact_build FOR VALUES FROM ({low}) TO ({high})
