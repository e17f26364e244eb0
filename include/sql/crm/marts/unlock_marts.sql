SELECT pg_advisory_unlock(hashtext('crm.marts'))
