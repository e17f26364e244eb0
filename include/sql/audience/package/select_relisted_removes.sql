-- For a file export of a snapshot already exported: the members an earlier export of the same
-- snapshot listed as removed, and still out of the audience (removed.csv keeps them).
SELECT DISTINCT ON (m.external_id) m.external_id, m.payload, m.reason
FROM audit.handoff_packages k
JOIN audit.handoff_package_members m ON m.package_id = k.package_id AND m.kind = 'remove'
JOIN audit.handoff_batches b ON b.package_id = k.package_id AND b.kind = 'remove' AND b.batch_no = m.batch_no
WHERE k.audience_id = %(audience_id)s AND k.destination = %(destination)s AND k.as_of_date = %(as_of_date)s
  AND k.package_id <> %(package_id)s AND b.acked_at IS NOT NULL
  AND NOT EXISTS (SELECT FROM staging.audience_payloads p
                  WHERE p.dag_id = %(dag_id)s AND p.run_id = %(run_id)s AND p.audience_id = k.audience_id
                    AND p.external_id = m.external_id)
  AND NOT EXISTS (SELECT FROM audit.handoff_package_members n
                  WHERE n.package_id = %(package_id)s AND n.kind = 'remove' AND n.external_id = m.external_id)
ORDER BY m.external_id, k.package_id DESC;
