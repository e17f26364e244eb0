-- The package's counts and checksum (sha256 over its kind, external_id and fingerprint lines).
UPDATE audit.handoff_packages k
SET members = (SELECT count(*) FROM staging.audience_payloads p
               WHERE p.dag_id = k.dag_id AND p.run_id = k.run_id AND p.audience_id = k.audience_id),
    upserts = (SELECT count(*) FROM audit.handoff_package_members m WHERE m.package_id = k.package_id
                                                                       AND m.kind = 'upsert'),
    removes = (SELECT count(*) FROM audit.handoff_package_members m WHERE m.package_id = k.package_id
                                                                       AND m.kind = 'remove'),
    checksum = encode(sha256(convert_to(coalesce(
        (SELECT string_agg(m.kind || ' ' || m.external_id || ' ' || coalesce(m.fingerprint, ''), E'\n'
                           ORDER BY m.kind, m.external_id COLLATE "C")
         FROM audit.handoff_package_members m WHERE m.package_id = k.package_id), ''), 'UTF8')), 'hex')
WHERE k.package_id = %(package_id)s;
UPDATE audit.handoff_packages SET unchanged = members - upserts WHERE package_id = %(package_id)s;
