-- The project health table: snapshots in [date_from, date_to] of projects of the picked teams
-- (the owner's current team) and categories; NULL arrays mean "all". {sort_column} and
-- {direction} come from the allow-lists in analytics_page/filters.py; (as_of_date, project_id)
-- breaks ties, so pages never overlap.
SELECT h.as_of_date, h.project_id, p.name, p.category, p.team, h.open_tasks, h.overdue_tasks,
       h.completed_30d, h.on_time_rate_30d
FROM marts.project_health h
LEFT JOIN marts.task_projects p ON p.project_id = h.project_id
WHERE h.as_of_date BETWEEN %(date_from)s AND %(date_to)s
  AND (%(teams)s::text[] IS NULL OR p.team = ANY (%(teams)s::text[]))
  AND (%(categories)s::text[] IS NULL OR p.category = ANY (%(categories)s::text[]))
ORDER BY {sort_column} {direction} NULLS LAST, h.as_of_date {direction}, h.project_id {direction}
LIMIT %(limit)s OFFSET %(offset)s
