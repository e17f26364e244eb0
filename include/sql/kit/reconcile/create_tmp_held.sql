-- The warehouse's rows ({held}: held_rows.sql) kept for the key-by-key comparison, made only
-- when the totals differ.
CREATE TEMP TABLE tmp_reconcile_held ON COMMIT DROP AS {held}
