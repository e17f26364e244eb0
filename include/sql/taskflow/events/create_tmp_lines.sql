-- Every line of those files with its verdict:
--   bad        it broke a rule (reasons);
--   new        the first event with its event_id: it loads;
--   duplicate  the same content as the event that holds its event_id (loaded before, or
--              earlier in (dt, path, line) order in this run);
--   conflict   another content under an event_id already taken: quarantined.
-- The content is every contract field, occurred_at as an instant.
CREATE TEMP TABLE tmp_event_lines ON COMMIT DROP AS
WITH lines AS (
    SELECT l.path, l.line_no, l.dt, l.event_id, l.event_type, l.task_id, l.actor_id, l.occurred_at,
           l.from_status, l.to_status, l.assignee_id, l.due_date, l.reasons, l.raw,
           CASE WHEN l.reasons IS NULL THEN md5(ROW(l.event_type, l.task_id, l.actor_id,
                extract(epoch FROM l.occurred_at), l.from_status, l.to_status, l.assignee_id,
                l.due_date)::text) END AS content_hash
    FROM staging.taskflow_event_lines l
    JOIN tmp_event_files f ON f.path = l.path
    WHERE l.run_id = %(run_id)s
), ranked AS (
    SELECT lines.*,
           row_number() OVER w AS seen,
           first_value(content_hash) OVER w AS first_hash
    FROM lines
    WHERE reasons IS NULL
    WINDOW w AS (PARTITION BY event_id ORDER BY dt, path COLLATE "C", line_no)
)
SELECT r.path, r.line_no, r.event_id, r.event_type, r.task_id, r.actor_id, r.occurred_at,
       r.from_status, r.to_status, r.assignee_id, r.due_date, r.reasons, r.raw, r.content_hash,
       to_char(r.occurred_at AT TIME ZONE %(business_tz)s, 'YYYYMMDD')::integer AS date_key,
       CASE WHEN k.event_id IS NOT NULL THEN
                CASE WHEN k.content_hash = r.content_hash THEN 'duplicate' ELSE 'conflict' END
            WHEN r.seen = 1 THEN 'new'
            WHEN r.content_hash = r.first_hash THEN 'duplicate'
            ELSE 'conflict' END AS verdict
FROM ranked r
LEFT JOIN core.task_event_ids k ON k.event_id = r.event_id
UNION ALL
SELECT path, line_no, event_id, event_type, task_id, actor_id, occurred_at, from_status, to_status,
       assignee_id, due_date, reasons, raw, NULL, NULL, 'bad'
FROM lines
WHERE reasons IS NOT NULL
