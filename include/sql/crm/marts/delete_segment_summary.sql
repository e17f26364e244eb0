DELETE FROM marts.segment_summary WHERE as_of_date = %(as_of_date)s
