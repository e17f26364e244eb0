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

-- The build state of agg_daily_metrics (include/taskflow/marts.py; for the build, not for
-- reading: the mart is what readers read). A night restates every date <= D by counting only
-- what changed since the night the state was counted for, not the whole history:
-- agg_daily_metrics_state: that night, its cutoff and the business timezone it counted in
--   (no row: the next build counts everything again);
-- agg_daily_metrics_cells: the exact sums behind each mart row, one per (date_key, project_id)
--   with at least one counted event (`events`), including the seconds and the number of the
--   cycles behind avg_cycle_hours;
-- agg_daily_metrics_pending_events: the facts the cells do not count yet (loaded since, or at or
--   after the cutoff), with what the rules read of them;
-- agg_daily_metrics_changed_tasks: the tasks whose counted attributes a load changed since, as
--   the cells counted them.
CREATE TABLE IF NOT EXISTS marts.agg_daily_metrics_state (
    one            boolean      PRIMARY KEY DEFAULT true CHECK (one),  -- a single row
    business_date  date         NOT NULL,
    cutoff         timestamptz  NOT NULL,
    business_tz    text         NOT NULL
);
CREATE TABLE IF NOT EXISTS marts.agg_daily_metrics_cells (
    date_key                 integer  NOT NULL,
    project_id               bigint   NOT NULL,
    events                   bigint   NOT NULL,
    tasks_created            bigint   NOT NULL,
    tasks_completed          bigint   NOT NULL,
    completed_with_due_date  bigint   NOT NULL,
    completed_on_time        bigint   NOT NULL,
    reopened                 bigint   NOT NULL,
    cycle_seconds            numeric  NOT NULL,
    cycles                   bigint   NOT NULL,
    PRIMARY KEY (date_key, project_id)
);
CREATE TABLE IF NOT EXISTS marts.agg_daily_metrics_pending_events (
    event_id     text         PRIMARY KEY,
    task_key     bigint       NOT NULL,
    date_key     integer      NOT NULL,
    occurred_at  timestamptz  NOT NULL,
    event_type   text         NOT NULL,
    from_status  text,
    to_status    text
);
CREATE TABLE IF NOT EXISTS marts.agg_daily_metrics_changed_tasks (
    task_key     bigint       PRIMARY KEY,
    project_id   bigint,
    is_inferred  boolean      NOT NULL,
    due_date     date,
    created_at   timestamptz,
    deleted_at   timestamptz
);
