-- An empty fact has no tails: a fact emptied by hand leaves none behind (create_tmp_minutes.sql).
TRUNCATE core.task_status_tail
