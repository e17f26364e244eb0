-- The destination acknowledged an upsert batch: its members are delivered as sent.
INSERT INTO audit.audience_delivered AS d
    (audience_id, destination, external_id, fingerprint, payload, as_of_date, package_id, delivered_at)
SELECT %(audience_id)s, %(destination)s, m.external_id, m.fingerprint, m.payload, %(as_of_date)s, m.package_id, now()
FROM audit.handoff_package_members m
WHERE m.package_id = %(package_id)s AND m.kind = 'upsert' AND m.batch_no = %(batch_no)s
ON CONFLICT (audience_id, destination, external_id) DO UPDATE
SET fingerprint = excluded.fingerprint, payload = excluded.payload, as_of_date = excluded.as_of_date,
    package_id = excluded.package_id, delivered_at = excluded.delivered_at;
