-- The pipeline's open quarantine by table and reason (a row counts once for each of its reasons).
SELECT source_table, reason, count(*) AS rows
FROM audit.quarantine q, unnest(q.reasons) AS reason
WHERE q.dag_id = %(dag_id)s AND q.released_at IS NULL
GROUP BY 1, 2
ORDER BY 1, 3 DESC, 2
