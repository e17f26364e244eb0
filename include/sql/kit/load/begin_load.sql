-- The start of a table's load transaction: one load of a table at a time, index reads priced
-- for a cached warehouse, and memory for the hashes, sorts and index builds of a batch of
-- millions of rows.
SELECT pg_advisory_xact_lock(hashtext(%(lock)s));
SET LOCAL random_page_cost = 1.1;
SET LOCAL work_mem = '256MB';
SET LOCAL maintenance_work_mem = '512MB'
