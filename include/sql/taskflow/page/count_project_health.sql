-- Rows behind the project health table: snapshots in [date_from, date_to] of projects of the
-- picked teams and categories (NULL arrays mean "all").
SELECT count(*) AS projects
FROM marts.project_health h
LEFT JOIN marts.task_projects p ON p.project_id = h.project_id
WHERE h.as_of_date BETWEEN %(date_from)s AND %(date_to)s
  AND (%(teams)s::text[] IS NULL OR p.team = ANY (%(teams)s::text[]))
  AND (%(categories)s::text[] IS NULL OR p.category = ANY (%(categories)s::text[]))
