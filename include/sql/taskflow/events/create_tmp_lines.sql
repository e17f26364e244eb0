-- Every line of the files this load processes, with its verdict:
--   bad        it broke a rule (reasons);
--   new        the first event with its event_id: it loads;
--   duplicate  the same content as the event that holds its event_id (loaded before, or
--              earlier in (dt, path, line) order in this run);
--   conflict   another content under an event_id already taken: quarantined.
-- The content is every contract field (occurred_at as an instant), hashed to 64 bits. Only the
-- lines whose event_id repeats within the run (staging.taskflow_event_repeats) are ranked.
CREATE TEMP TABLE tmp_event_ranks ON COMMIT DROP AS
SELECT l.path, l.line_no,
       row_number() OVER w AS seen,
       first_value(hash_record_extended(ROW(l.event_type, l.task_id, l.actor_id, l.occurred_at, l.from_status,
                   l.to_status, l.assignee_id, l.due_date), 0)) OVER w AS first_hash
FROM staging.taskflow_event_lines l
JOIN staging.taskflow_event_repeats r ON r.run_id = l.run_id AND r.event_id = l.event_id
WHERE l.run_id = %(run_id)s AND l.reasons IS NULL AND l.path IN (SELECT path FROM tmp_event_files)
WINDOW w AS (PARTITION BY l.event_id ORDER BY l.dt, l.path COLLATE "C", l.line_no);
ANALYZE tmp_event_ranks;

CREATE TEMP TABLE tmp_event_lines ON COMMIT DROP AS
WITH lines AS (
    SELECT l.path, l.line_no, l.event_id, l.event_type, l.task_id, l.actor_id, l.occurred_at,
           l.from_status, l.to_status, l.assignee_id, l.due_date, l.reasons IS NOT NULL AS is_bad,
           CASE WHEN l.reasons IS NULL THEN hash_record_extended(ROW(l.event_type, l.task_id, l.actor_id,
                l.occurred_at, l.from_status, l.to_status, l.assignee_id, l.due_date), 0) END AS content_hash
    FROM staging.taskflow_event_lines l
    WHERE l.run_id = %(run_id)s AND l.path IN (SELECT path FROM tmp_event_files)
)
SELECT l.path, l.line_no, l.event_id, l.event_type, l.task_id, l.actor_id, l.occurred_at,
       l.from_status, l.to_status, l.assignee_id, l.due_date, l.content_hash,
       to_char(l.occurred_at AT TIME ZONE %(business_tz)s, 'YYYYMMDD')::integer AS date_key,
       CASE WHEN l.is_bad THEN 'bad'
            WHEN k.event_id IS NOT NULL THEN
                CASE WHEN k.content_hash = l.content_hash THEN 'duplicate' ELSE 'conflict' END
            WHEN r.seen IS NULL OR r.seen = 1 THEN 'new'
            WHEN l.content_hash = r.first_hash THEN 'duplicate'
            ELSE 'conflict' END AS verdict
FROM lines l
LEFT JOIN tmp_event_ranks r ON r.path = l.path AND r.line_no = l.line_no
LEFT JOIN core.task_event_ids k ON k.event_id = l.event_id AND NOT l.is_bad;
ANALYZE tmp_event_lines
