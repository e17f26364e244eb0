-- A session lock, taken before the build's snapshot: one build of the marts at a time.
SELECT pg_advisory_lock(hashtext('crm.marts'))
