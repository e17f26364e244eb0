-- The build and its checks read one snapshot of the warehouse, so a load committing meanwhile
-- cannot make the checks disagree with what was built. Parallel plans are priced for a bulk
-- build: the builds are CREATE TEMP TABLE AS, which may scan and aggregate with parallel
-- workers (an INSERT ... SELECT may not). work_mem: the hash of every task (1M, about 70 MB)
-- that the facts join against fits in memory in one batch instead of spilling to disk.
SET TRANSACTION ISOLATION LEVEL REPEATABLE READ;
SET LOCAL parallel_setup_cost = 10;
SET LOCAL parallel_tuple_cost = 0.001;
SET LOCAL work_mem = '64MB'
