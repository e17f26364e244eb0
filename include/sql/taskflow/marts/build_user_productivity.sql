-- user_productivity of night D (%(as_of_date)s): one row per non-inferred user who is the
-- actor of at least one done event of tmp_done_30d (build_done_30d.sql); team is the user's
-- current dim_user version's; completed_7d counts the events of [cutoff - 7 days, cutoff),
-- the event dates D-6 .. D.
CREATE TEMP TABLE tmp_user_productivity ON COMMIT DROP AS
SELECT %(as_of_date)s::date AS as_of_date, u.user_id::bigint, u.team,
       count(*) FILTER (WHERE e.event_date > %(as_of_date)s::date - 7)::integer AS completed_7d,
       count(*)::integer AS completed_30d
FROM tmp_done_30d e
JOIN core.dim_user u ON u.user_id = e.actor_id AND u.is_current
WHERE NOT u.is_inferred
GROUP BY u.user_id, u.team
