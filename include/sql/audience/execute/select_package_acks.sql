-- What a package has had acknowledged so far, and the retries its requests took.
SELECT coalesce(sum(items) FILTER (WHERE kind = 'upsert' AND acked_at IS NOT NULL), 0),
       coalesce(sum(items) FILTER (WHERE kind = 'remove' AND acked_at IS NOT NULL), 0),
       count(*) FILTER (WHERE acked_at IS NOT NULL),
       coalesce(sum(greatest(tries - 1, 0)), 0)
FROM audit.handoff_batches
WHERE package_id = %(package_id)s;
