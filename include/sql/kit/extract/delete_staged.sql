DELETE FROM {staging} WHERE run_id = %(run_id)s
