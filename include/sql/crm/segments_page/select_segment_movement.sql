SELECT as_of_date, previous_as_of_date, from_segment, to_segment, customers
FROM marts.segment_movement
WHERE as_of_date = %(as_of_date)s
ORDER BY customers DESC, from_segment, to_segment
