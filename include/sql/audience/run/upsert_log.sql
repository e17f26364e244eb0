-- The run's row for one audience; a retry replaces it.
INSERT INTO audit.handoff_log AS l
    (dag_id, run_id, audience_id, as_of_date, destination, status, upserted, removed, unchanged, batches,
     http_retries, seconds, error, detail, package_checksum, retryable, logged_at)
VALUES (%(dag_id)s, %(run_id)s, %(audience_id)s, %(as_of_date)s, %(destination)s, %(status)s, %(upserted)s,
        %(removed)s, %(unchanged)s, %(batches)s, %(http_retries)s, %(seconds)s, %(error)s, %(detail)s,
        %(package_checksum)s, %(retryable)s, now())
ON CONFLICT (dag_id, run_id, audience_id) DO UPDATE
SET as_of_date = excluded.as_of_date, destination = excluded.destination, status = excluded.status,
    upserted = excluded.upserted, removed = excluded.removed, unchanged = excluded.unchanged,
    batches = excluded.batches, http_retries = excluded.http_retries, seconds = excluded.seconds,
    error = excluded.error, detail = excluded.detail, package_checksum = excluded.package_checksum,
    retryable = excluded.retryable, logged_at = now();
