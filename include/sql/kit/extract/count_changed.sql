SELECT count(*) FROM {staging} WHERE run_id = %(run_id)s AND updated_at >= %(interval_start)s
