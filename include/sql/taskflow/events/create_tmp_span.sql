-- The first and last instant and date of the new events, in one pass: the months that need a
-- partition of the fact, the dates dim_date must cover.
CREATE TEMP TABLE tmp_event_span ON COMMIT DROP AS
SELECT min(occurred_at) AS first_at, max(occurred_at) AS last_at, min(date_key) AS first_day,
       max(date_key) AS last_day
FROM tmp_event_lines
WHERE verdict = 'new'
