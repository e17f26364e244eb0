SELECT pg_advisory_unlock(hashtextextended('audience_handoff:' || %(audience_id)s || ':' || %(destination)s, 0));
