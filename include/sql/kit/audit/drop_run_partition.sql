-- A finished batch of a staging table partitioned by run_id goes whole: its partition.
DROP TABLE IF EXISTS {partition}
