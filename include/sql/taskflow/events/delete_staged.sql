-- A retry stages its files again from scratch (its lines: warehouse_kit.staging.empty_run_partition).
DELETE FROM staging.taskflow_event_files WHERE run_id = %(run_id)s;
DELETE FROM staging.taskflow_event_repeats WHERE run_id = %(run_id)s;
DELETE FROM staging.taskflow_event_keys WHERE run_id = %(run_id)s
