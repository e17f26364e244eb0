-- A retry stages its files again from scratch (its lines and keys: their run partitions,
-- emptied by warehouse_kit.staging.empty_run_partition).
DELETE FROM staging.taskflow_event_files WHERE run_id = %(run_id)s;
DELETE FROM staging.taskflow_event_repeats WHERE run_id = %(run_id)s
