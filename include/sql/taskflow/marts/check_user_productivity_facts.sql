-- Night D's user_productivity against the facts, counted again from core: done events of
-- counting tasks whose actor's current dim_user version is not inferred, per actor, in
-- [cutoff - 30 days, cutoff) and [cutoff - 7 days, cutoff). Returns the mart's and the
-- facts' sums of completed_30d and completed_7d, and the users whose row is missing, extra
-- or different (in team, the current version's, or a count).
WITH facts AS (
    SELECT u.user_id, u.team,
           count(*) FILTER (WHERE f.occurred_at >= ((%(as_of_date)s::date + 1 - 7)::timestamp
                                                    AT TIME ZONE %(business_tz)s)) AS completed_7d,
           count(*) AS completed_30d
    FROM core.fact_task_events f
    JOIN core.dim_task t ON t.task_key = f.task_key
    JOIN core.dim_user u ON u.user_id = f.actor_id AND u.is_current
    WHERE f.event_type = 'status_changed' AND f.to_status = 'done'
      AND f.occurred_at >= ((%(as_of_date)s::date + 1 - 30)::timestamp AT TIME ZONE %(business_tz)s)
      AND f.occurred_at < ((%(as_of_date)s::date + 1)::timestamp AT TIME ZONE %(business_tz)s)
      AND NOT t.is_inferred
      AND (t.deleted_at IS NULL
           OR t.deleted_at >= ((%(as_of_date)s::date + 1)::timestamp AT TIME ZONE %(business_tz)s))
      AND NOT u.is_inferred
    GROUP BY u.user_id, u.team
),
mart AS (
    SELECT user_id, team, completed_7d, completed_30d
    FROM marts.user_productivity
    WHERE as_of_date = %(as_of_date)s
)
SELECT coalesce(sum(mart.completed_30d), 0)::bigint AS mart_30d,
       coalesce(sum(mart.completed_7d), 0)::bigint AS mart_7d,
       coalesce(sum(facts.completed_30d), 0)::bigint AS facts_30d,
       coalesce(sum(facts.completed_7d), 0)::bigint AS facts_7d,
       count(*) FILTER (WHERE (mart.team, mart.completed_7d, mart.completed_30d)
                              IS DISTINCT FROM (facts.team, facts.completed_7d, facts.completed_30d))
           AS users_differing
FROM mart FULL JOIN facts USING (user_id)
