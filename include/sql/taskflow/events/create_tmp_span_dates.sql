-- The business-timezone dates of the run's valid lines (counted while staging), as a date_key
-- column: what kit/load/ensure_dates.sql reads.
CREATE TEMP TABLE tmp_event_days ON COMMIT DROP AS
SELECT k.id::integer AS date_key
FROM staging.taskflow_event_keys k
WHERE k.run_id = %(run_id)s AND k.kind = 'day'
