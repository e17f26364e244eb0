-- What the run's packages of an audience (the current one and any retired) have had
-- acknowledged so far, and the retries their requests took.
SELECT coalesce(sum(b.items) FILTER (WHERE b.kind = 'upsert' AND b.acked_at IS NOT NULL), 0),
       coalesce(sum(b.items) FILTER (WHERE b.kind = 'remove' AND b.acked_at IS NOT NULL), 0),
       count(*) FILTER (WHERE b.acked_at IS NOT NULL),
       coalesce(sum(greatest(b.tries - 1, 0)), 0)
FROM audit.handoff_batches b
JOIN audit.handoff_packages k USING (package_id)
WHERE k.dag_id = %(dag_id)s AND k.run_id = %(run_id)s AND k.audience_id = %(audience_id)s;
