-- The fingerprint of the DDL applied for a domain (no row: never applied).
SELECT fingerprint FROM audit.ddl_version WHERE domain = %(domain)s
