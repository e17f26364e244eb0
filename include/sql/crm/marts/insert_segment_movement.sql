-- Publish the movement built by build_segment_movement.sql; the temp table goes, since a
-- backfill builds the movement of two snapshots in one transaction.
INSERT INTO marts.segment_movement (as_of_date, previous_as_of_date, from_segment, to_segment, customers)
SELECT as_of_date, previous_as_of_date, from_segment, to_segment, customers
FROM tmp_segment_movement;
DROP TABLE tmp_segment_movement
