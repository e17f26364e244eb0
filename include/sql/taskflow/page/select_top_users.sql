-- The users who completed the most tasks in the 7 days up to night D (ties: lower user_id
-- first), from D's user_productivity snapshot; users without a completion in those 7 days
-- are not ranked. Ranked on user_productivity_top_idx first, then named.
WITH top AS (
    SELECT user_id, team, completed_7d, completed_30d
    FROM marts.user_productivity
    WHERE as_of_date = %(as_of_date)s AND completed_7d > 0
    ORDER BY completed_7d DESC, user_id
    LIMIT %(limit)s
)
SELECT %(as_of_date)s::date AS as_of_date, t.user_id, u.full_name, t.team, t.completed_7d, t.completed_30d
FROM top t
LEFT JOIN marts.task_users u ON u.user_id = t.user_id
ORDER BY t.completed_7d DESC, t.user_id
