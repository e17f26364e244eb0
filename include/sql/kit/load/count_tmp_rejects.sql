SELECT count(*) FROM tmp_rejects
