SELECT pg_advisory_unlock(hashtext('taskflow.marts'))
