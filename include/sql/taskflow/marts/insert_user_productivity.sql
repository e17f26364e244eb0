-- Publish night D's snapshot built by build_user_productivity.sql (same transaction as its DELETE).
INSERT INTO marts.user_productivity (as_of_date, user_id, team, completed_7d, completed_30d)
SELECT as_of_date, user_id, team, completed_7d, completed_30d
FROM tmp_user_productivity
ORDER BY user_id
