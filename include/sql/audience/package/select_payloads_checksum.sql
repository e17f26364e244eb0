-- The run's staged payloads of one audience, as one sha256: a package built from other
-- payloads is stale.
SELECT encode(sha256(convert_to(coalesce(
           string_agg(external_id || ' ' || fingerprint, E'\n' ORDER BY external_id COLLATE "C"), ''), 'UTF8')), 'hex')
FROM staging.audience_payloads
WHERE dag_id = %(dag_id)s AND run_id = %(run_id)s AND audience_id = %(audience_id)s;
