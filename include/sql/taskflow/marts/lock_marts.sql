-- A session lock, taken before the build's snapshot: one build of TaskFlow's marts at a time.
SELECT pg_advisory_lock(hashtext('taskflow.marts'))
