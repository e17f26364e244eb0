INSERT INTO audit.ddl_version (domain, fingerprint) VALUES (%(domain)s, %(fingerprint)s)
ON CONFLICT (domain) DO UPDATE SET fingerprint = excluded.fingerprint, applied_at = now()
