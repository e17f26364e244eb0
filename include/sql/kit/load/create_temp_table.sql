CREATE TEMP TABLE {temp_table} ({columns}) ON COMMIT DROP
