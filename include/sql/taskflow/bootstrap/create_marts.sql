-- TaskFlow's marts (the rules: docs/taskflow.md, built by include/sql/taskflow/marts/).
-- Published in one transaction per night, then checked into audit.data_quality_log.
CREATE SCHEMA IF NOT EXISTS marts;

-- The business days D whose marts a run has published. The latest one is what
-- agg_daily_metrics holds (every date <= it, restated by its run): a run for an older D leaves
-- agg_daily_metrics as it is, and keeps D's snapshots when D is already here.
CREATE TABLE IF NOT EXISTS marts.taskflow_published_nights (
    business_date  date  PRIMARY KEY
);

-- One row per (metric_date, project_id) with at least one event of a counting task that day;
-- every date <= D is restated by the run for D.
CREATE TABLE IF NOT EXISTS marts.agg_daily_metrics (
    metric_date              date         NOT NULL,
    project_id               bigint       NOT NULL,
    tasks_created            integer      NOT NULL,
    tasks_completed          integer      NOT NULL,
    completed_with_due_date  integer      NOT NULL,
    completed_on_time        integer      NOT NULL,
    on_time_rate             numeric(5, 4),
    reopened                 integer      NOT NULL,
    avg_cycle_hours          numeric(10, 2),
    PRIMARY KEY (metric_date, project_id)  -- the page's date range
);
-- the page's date range of one project
CREATE INDEX IF NOT EXISTS agg_daily_metrics_project_idx ON marts.agg_daily_metrics (project_id, metric_date);

-- One snapshot per night D of every live, non-inferred project; earlier snapshots are kept.
CREATE TABLE IF NOT EXISTS marts.project_health (
    as_of_date        date          NOT NULL,
    project_id        bigint        NOT NULL,
    open_tasks        integer       NOT NULL,
    overdue_tasks     integer       NOT NULL,
    completed_30d     integer       NOT NULL,
    on_time_rate_30d  numeric(5, 4),
    PRIMARY KEY (as_of_date, project_id)  -- the page's snapshot (500 projects a night) or date range
);

-- One snapshot per night D of every non-inferred user who completed a counting task in the
-- 30 days up to the cutoff.
CREATE TABLE IF NOT EXISTS marts.user_productivity (
    as_of_date     date     NOT NULL,
    user_id        bigint   NOT NULL,
    team           text,
    completed_7d   integer  NOT NULL,
    completed_30d  integer  NOT NULL,
    PRIMARY KEY (as_of_date, user_id)
);
-- the page's top 10 of a night
CREATE INDEX IF NOT EXISTS user_productivity_top_idx
    ON marts.user_productivity (as_of_date, completed_7d DESC, user_id);
