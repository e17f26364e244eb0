-- The definition is the constraint as pg_get_constraintdef printed it (secondary_indexes.sql).
ALTER TABLE {table} ADD CONSTRAINT {constraint} {definition}
