SELECT count(*) FROM tmp_user_changes
