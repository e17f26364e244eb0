-- agg_daily_metrics' cells counted from every fact at night D's cutoff (agg_count.sql's rules):
-- the first build, and any build without a state it can count on from (marts.py). Into a temp
-- table, so the scan, the join and the aggregation run with parallel workers (an INSERT ...
-- SELECT may not); replace_agg_cells.sql makes them the state.
CREATE TEMP TABLE tmp_agg_cells ON COMMIT DROP AS
WITH counted AS (
    SELECT f.date_key, t.project_id, f.event_type, f.from_status, f.to_status, f.occurred_at,
           t.is_inferred, t.deleted_at, t.due_date, t.created_at,
           %(cutoff)s::timestamptz AS cutoff, 1 AS sign
    FROM core.fact_task_events f
    JOIN core.dim_task t ON t.task_key = f.task_key
)
{count}
