SELECT source_table, count(*) AS rows
FROM audit.quarantine
WHERE dag_id = %(dag_id)s AND released_at IS NULL
GROUP BY 1
ORDER BY 1
