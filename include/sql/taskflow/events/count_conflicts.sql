SELECT count(*) FILTER (WHERE verdict = 'conflict') FROM tmp_event_exceptions
