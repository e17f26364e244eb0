-- Publish a new night: {snapshot}, scored by build_customer_segments.sql, becomes the night's
-- partition. Indexed in bulk (about half the time of keeping the indexes row by row) with the
-- partitioned table's constraints and indexes, which the attach then adopts; the attach checks
-- that every row is of {as_of_date}.
ALTER TABLE {snapshot}
    ALTER COLUMN as_of_date SET NOT NULL,
    ALTER COLUMN customer_id SET NOT NULL,
    ALTER COLUMN frequency SET NOT NULL,
    ALTER COLUMN monetary SET NOT NULL,
    ALTER COLUMN segment SET NOT NULL,
    ADD PRIMARY KEY (as_of_date, customer_id);
CREATE INDEX ON {snapshot} (as_of_date, segment, customer_id);
ALTER TABLE marts.customer_segments ATTACH PARTITION {snapshot} FOR VALUES IN ({as_of_date})
