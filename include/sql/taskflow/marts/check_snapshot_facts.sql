-- Night D's snapshots against the facts, counted again from core in one pass over the done
-- events of counting tasks (not inferred, deleted_at NULL or >= cutoff) in
-- [cutoff - 30 days, cutoff), cutoff = D+1 00:00 in the business timezone:
-- - project_health: its completed_30d summed (health_observed) equals those events of live
--   projects, not inferred, archived_at NULL or >= cutoff (health_expected), the project being
--   the one the fact carries (the load keeps it the task's);
-- - user_productivity: per actor whose current dim_user version is not inferred, the events in
--   the 30 days and in [cutoff - 7 days, cutoff). Returns the mart's and the facts' sums of
--   completed_30d and completed_7d, and the users whose row is missing, extra or different (in
--   team, the current version's, or a count).
WITH uncounted AS MATERIALIZED ({uncounted}),
done AS MATERIALIZED (
    -- the window's done events, less those of the few tasks that do not count (as in
    -- check_agg_daily_metrics_facts.sql), with the project the fact names: read from the done
    -- events' index alone, the complement of the build's condition and not its join
    SELECT f.project_key, f.actor_id, f.occurred_at
    FROM core.fact_task_events f
    WHERE f.event_type = 'status_changed' AND f.to_status = 'done'
      AND f.occurred_at >= ((%(as_of_date)s::date + 1 - 30)::timestamp AT TIME ZONE %(business_tz)s)
      AND f.occurred_at < ((%(as_of_date)s::date + 1)::timestamp AT TIME ZONE %(business_tz)s)
      AND f.task_key NOT IN (SELECT task_key FROM uncounted)
),
live_done AS (
    SELECT count(*) AS events
    FROM done d
    JOIN core.dim_project p ON p.project_key = d.project_key
    WHERE NOT p.is_inferred
      AND (p.archived_at IS NULL
           OR p.archived_at >= ((%(as_of_date)s::date + 1)::timestamp AT TIME ZONE %(business_tz)s))
),
facts AS (
    SELECT u.user_id, u.team,
           count(*) FILTER (WHERE d.occurred_at >= ((%(as_of_date)s::date + 1 - 7)::timestamp
                                                    AT TIME ZONE %(business_tz)s)) AS completed_7d,
           count(*) AS completed_30d
    FROM done d
    JOIN core.dim_user u ON u.user_id = d.actor_id AND u.is_current
    WHERE NOT u.is_inferred
    GROUP BY u.user_id, u.team
),
mart AS (
    SELECT user_id, team, completed_7d, completed_30d
    FROM marts.user_productivity
    WHERE as_of_date = %(as_of_date)s
),
users AS (
    SELECT coalesce(sum(mart.completed_30d), 0)::bigint AS mart_30d,
           coalesce(sum(mart.completed_7d), 0)::bigint AS mart_7d,
           coalesce(sum(facts.completed_30d), 0)::bigint AS facts_30d,
           coalesce(sum(facts.completed_7d), 0)::bigint AS facts_7d,
           count(*) FILTER (WHERE (mart.team, mart.completed_7d, mart.completed_30d)
                                  IS DISTINCT FROM (facts.team, facts.completed_7d, facts.completed_30d))
               AS users_differing
    FROM mart FULL JOIN facts USING (user_id)
)
SELECT (SELECT coalesce(sum(completed_30d), 0) FROM marts.project_health
        WHERE as_of_date = %(as_of_date)s)::bigint AS health_observed,
       (SELECT events FROM live_done)::bigint AS health_expected,
       users.*
FROM users
