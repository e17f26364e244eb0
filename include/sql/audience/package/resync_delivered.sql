-- A full resync: the delivered state becomes what the platform lists (tmp_platform_ids). A
-- member the platform lacks is forgotten (and so sent again); one it holds that was never
-- delivered from here is known without a payload (and so sent, or removed).
DELETE FROM audit.audience_delivered d
WHERE d.audience_id = %(audience_id)s AND d.destination = %(destination)s
  AND NOT EXISTS (SELECT FROM tmp_platform_ids t WHERE t.external_id = d.external_id);
INSERT INTO audit.audience_delivered (audience_id, destination, external_id, fingerprint, payload, as_of_date,
                                      package_id)
SELECT %(audience_id)s, %(destination)s, t.external_id, NULL, NULL, %(as_of_date)s, %(package_id)s
FROM tmp_platform_ids t
ON CONFLICT (audience_id, destination, external_id) DO NOTHING;
