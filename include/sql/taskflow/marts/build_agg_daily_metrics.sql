-- agg_daily_metrics' rows from the cells ({scope}: all of them, or the cells night D changed),
-- for the publish (delete_ and insert_agg_daily_metrics.sql). The ratio and the average are
-- rounded with round(numeric, n), half away from zero, to the column's scale:
-- on_time_rate = completed_on_time / completed_with_due_date, NULL when that is 0;
-- avg_cycle_hours = the cycles' seconds / (3600 * their number), NULL without done events.
CREATE TEMP TABLE tmp_agg_daily_metrics ON COMMIT DROP AS
SELECT d.full_date AS metric_date, c.project_id,
       c.tasks_created::integer, c.tasks_completed::integer,
       c.completed_with_due_date::integer, c.completed_on_time::integer,
       round(c.completed_on_time::numeric / nullif(c.completed_with_due_date, 0), 4)::numeric(5, 4) AS on_time_rate,
       c.reopened::integer,
       round(c.cycle_seconds / (3600 * nullif(c.cycles, 0)), 2)::numeric(10, 2) AS avg_cycle_hours
FROM marts.agg_daily_metrics_cells c
JOIN core.dim_date d ON d.date_key = c.date_key
WHERE {scope}
