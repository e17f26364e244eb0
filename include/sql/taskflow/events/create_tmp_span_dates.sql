-- The span's first and last date as rows of a date_key column (what kit/load/ensure_dates.sql reads).
CREATE TEMP TABLE tmp_event_days ON COMMIT DROP AS
SELECT first_day AS date_key FROM tmp_event_span UNION ALL SELECT last_day FROM tmp_event_span
