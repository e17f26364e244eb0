-- An actor not yet in users gets an inferred dim_user member (valid for all time), filled in
-- when the row arrives (load of users).
INSERT INTO core.dim_user (user_id, valid_from, is_inferred)
SELECT DISTINCT l.actor_id, '1900-01-01 00:00:00+00'::timestamptz, true
FROM tmp_event_lines l
WHERE l.verdict = 'new' AND l.actor_id IS NOT NULL
  AND NOT EXISTS (SELECT 1 FROM core.dim_user u WHERE u.user_id = l.actor_id)
