-- The minutes create_tmp_minutes.sql computed, with the task's events already in the fact.
m.computed
