-- The movement rows build_segment_movement.sql is about to rebuild: into D and into the next snapshot.
DELETE FROM marts.segment_movement
WHERE as_of_date = %(as_of_date)s
   OR as_of_date = (SELECT min(as_of_date) FROM marts.customer_segments WHERE as_of_date > %(as_of_date)s)
