DELETE FROM marts.segment_movement WHERE as_of_date = %(as_of_date)s
