-- The lines of this load's files that are new: every line but the exceptions (what the
-- registry and the fact must each have received).
SELECT (SELECT coalesce(sum(lines), 0) FROM tmp_event_files) - (SELECT count(*) FROM tmp_event_exceptions)
