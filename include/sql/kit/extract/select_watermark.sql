SELECT watermark FROM audit.watermarks WHERE pipeline = %(pipeline)s AND source_table = %(source_table)s
