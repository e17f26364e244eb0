-- Which staged rows finish keeps (one rule, one file): the batches of the runs
-- select_kept_runs.sql names (this run, and the pipeline's runs still going: a backfill may run
-- beside the nightly run), and, in a table that pipelines share, the rows of other pipelines
-- (the condition `foreign`). On alias s.
-- An uncorrelated IN: the kept runs are read once and hashed (a correlated EXISTS was probed
-- once per staged row, 1 s for the 1M lines of a full load).
({foreign} OR s.run_id IN ({kept_runs}))
