-- One delivery per (audience, destination) at a time, across runs (session lock).
SELECT pg_advisory_lock(hashtextextended('audience_handoff:' || %(audience_id)s || ':' || %(destination)s, 0));
