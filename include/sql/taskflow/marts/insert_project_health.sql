-- Publish night D's snapshot built by build_project_health.sql (same transaction as its DELETE).
INSERT INTO marts.project_health
    (as_of_date, project_id, open_tasks, overdue_tasks, completed_30d, on_time_rate_30d)
SELECT as_of_date, project_id, open_tasks, overdue_tasks, completed_30d, on_time_rate_30d
FROM tmp_project_health
ORDER BY project_id
