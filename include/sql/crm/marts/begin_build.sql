-- The build and its checks read one snapshot of the warehouse, so a load of another night
-- committing meanwhile cannot make the checks disagree with what was built. Parallel plans are
-- priced for a bulk build: the scoring's aggregation runs on two workers (0.8 -> 0.4 s at 1M
-- lines); the builds use CREATE TEMP TABLE AS for this.
SET TRANSACTION ISOLATION LEVEL REPEATABLE READ;
SET LOCAL parallel_setup_cost = 10;
SET LOCAL parallel_tuple_cost = 0.001
