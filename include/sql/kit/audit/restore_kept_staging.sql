INSERT INTO {table} SELECT * FROM tmp_kept_staging
