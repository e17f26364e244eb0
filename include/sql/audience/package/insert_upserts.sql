-- Upserts: members new to the destination, and members whose payload changed since delivered.
-- Batches of batch_size in external_id order, so a package always splits the same way.
INSERT INTO audit.handoff_package_members (package_id, kind, external_id, batch_no, fingerprint, payload)
SELECT %(package_id)s, 'upsert', p.external_id,
       ((row_number() OVER (ORDER BY p.external_id COLLATE "C") - 1) / %(batch_size)s)::integer,
       p.fingerprint, p.payload
FROM staging.audience_payloads p
LEFT JOIN audit.audience_delivered d
       ON d.audience_id = p.audience_id AND d.destination = %(destination)s AND d.external_id = p.external_id
WHERE p.dag_id = %(dag_id)s AND p.run_id = %(run_id)s AND p.audience_id = %(audience_id)s
  AND d.fingerprint IS DISTINCT FROM p.fingerprint;
