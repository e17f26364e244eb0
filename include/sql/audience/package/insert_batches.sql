-- One batch per (kind, batch_no); its idempotency key is set from its content afterwards.
INSERT INTO audit.handoff_batches (package_id, kind, batch_no, items, idempotency_key)
SELECT package_id, kind, batch_no, count(*), ''
FROM audit.handoff_package_members
WHERE package_id = %(package_id)s
GROUP BY package_id, kind, batch_no;
