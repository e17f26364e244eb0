-- The start of a table's load transaction: one load of a table at a time, and index reads
-- priced for a cached warehouse.
SELECT pg_advisory_xact_lock(hashtext(%(lock)s));
SET LOCAL random_page_cost = 1.1
