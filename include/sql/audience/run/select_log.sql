-- The run's rows, one per audience.
SELECT audience_id, destination, status, upserted, removed, unchanged, batches, http_retries, seconds, error,
       detail, retryable
FROM audit.handoff_log
WHERE dag_id = %(dag_id)s AND run_id = %(run_id)s
ORDER BY audience_id;
