-- Set aside the run's current package of an audience, to build it again: deleted with its
-- members and batches if the destination acknowledged none of its batches, else kept as it
-- was sent, retired.
DELETE FROM audit.handoff_packages k
WHERE k.dag_id = %(dag_id)s AND k.run_id = %(run_id)s AND k.audience_id = %(audience_id)s
  AND k.retired_at IS NULL
  AND NOT EXISTS (SELECT FROM audit.handoff_batches b WHERE b.package_id = k.package_id AND b.acked_at IS NOT NULL);
UPDATE audit.handoff_packages SET retired_at = now()
WHERE dag_id = %(dag_id)s AND run_id = %(run_id)s AND audience_id = %(audience_id)s AND retired_at IS NULL;
