-- A package's batches in delivery order: removes first (consent is withdrawn soonest), then upserts.
SELECT kind, batch_no, items, idempotency_key, acked_at IS NOT NULL, tries
FROM audit.handoff_batches
WHERE package_id = %(package_id)s
ORDER BY kind = 'upsert', batch_no;
