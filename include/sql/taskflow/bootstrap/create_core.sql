-- TaskFlow's star schema in core: dim_user (SCD2), dim_project and dim_task (SCD1), and
-- fact_task_events, one row per distinct event_id, partitioned by month of occurred_at.
-- core.dim_date is the conformed date dimension (include/sql/kit/bootstrap/create_dim_date.sql).
CREATE SCHEMA IF NOT EXISTS core;

-- SCD2 on team, role and is_active: a change closes the current version at the row's
-- updated_at and opens a new one. email and full_name are type 1 (every version shows the
-- latest). The first version reaches back to 1900-01-01, so every event of a known user finds
-- a version (events are from 2000 on). An inferred member (an actor not yet in users) is filled in when the row arrives.
CREATE TABLE IF NOT EXISTS core.dim_user (
    user_key bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    user_id bigint NOT NULL,
    email text, full_name text, created_at timestamptz,  -- type 1
    team text, role text, is_active boolean,             -- versioned
    valid_from timestamptz NOT NULL, valid_to timestamptz NOT NULL DEFAULT '9999-12-31 00:00:00+00',
    is_current boolean NOT NULL DEFAULT true, is_inferred boolean NOT NULL DEFAULT false,
    source_updated_at timestamptz,
    CHECK (valid_from < valid_to)
);
CREATE UNIQUE INDEX IF NOT EXISTS dim_user_current_uq ON core.dim_user (user_id) WHERE is_current;
CREATE INDEX IF NOT EXISTS dim_user_lookup_idx ON core.dim_user (user_id, valid_from);

-- SCD1, newer wins. An inferred member stands for a project a task names before its row arrives.
CREATE TABLE IF NOT EXISTS core.dim_project (
    project_key bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    project_id bigint NOT NULL UNIQUE,
    name text, category text, owner_user_id bigint, created_at timestamptz, archived_at timestamptz,
    is_inferred boolean NOT NULL DEFAULT false, source_updated_at timestamptz
);

-- SCD1: the task's current row, newer wins. An inferred member stands for a task an event
-- names before its row reaches the database; project_id and project_key are NULL until then.
CREATE TABLE IF NOT EXISTS core.dim_task (
    task_key           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    task_id            bigint      NOT NULL UNIQUE,
    project_id         bigint,
    project_key        bigint,        -- core.dim_project (no FK: checked by the load, not per row)
    title              text,
    priority           text,
    assignee_id        bigint,
    status             text,
    due_date           date,
    created_at         timestamptz,
    completed_at       timestamptz,
    deleted_at         timestamptz,
    is_inferred        boolean     NOT NULL DEFAULT false,
    source_updated_at  timestamptz
);
CREATE INDEX IF NOT EXISTS dim_task_project_idx ON core.dim_task (project_key);
-- the few tasks that may not count in the marts (inferred, or deleted: before a cutoff, or between
-- two, when they stop counting in agg_daily_metrics)
CREATE INDEX IF NOT EXISTS dim_task_uncounted_idx ON core.dim_task (deleted_at) INCLUDE (task_key)
    WHERE is_inferred OR deleted_at IS NOT NULL;

-- Every distinct event_id loaded, with the fingerprint of its content: the first event seen
-- with an id wins; a later identical one is a duplicate, a different one is quarantined. Its
-- unique key (bootstrap/create_fact_indexes.sql) is the fact's: a partitioned table cannot hold
-- a key without its partition column, and the load writes both in one transaction.
CREATE TABLE IF NOT EXISTS core.task_event_ids (
    event_id      text        NOT NULL,
    content_hash  bigint      NOT NULL   -- hash_record_extended of the contract fields
);
-- (a warehouse bootstrapped before the registry lost its unused occurred_at)
ALTER TABLE core.task_event_ids DROP COLUMN IF EXISTS occurred_at;

-- One row per distinct event_id (held by core.task_event_ids). actor_user_key is the dim_user version valid at occurred_at;
-- date_key is occurred_at's date in the business timezone. minutes_in_previous_status (status
-- changes only): minutes since the task's previous task_created or status_changed event in
-- (occurred_at, event_id) order, recomputed when a late event lands between two.
CREATE TABLE IF NOT EXISTS core.fact_task_events (
    event_id                    text          NOT NULL,
    event_type                  text          NOT NULL,
    task_key                    bigint        NOT NULL,
    project_key                 bigint,
    actor_user_key              bigint,
    date_key                    integer       NOT NULL,
    occurred_at                 timestamptz   NOT NULL,
    from_status                 text,
    to_status                   text,
    minutes_in_previous_status  numeric(12, 2),
    task_count                  smallint      NOT NULL DEFAULT 1,
    actor_id                    bigint,       -- the natural keys as the event carried them
    task_id                     bigint        NOT NULL,
    assignee_id                 bigint,
    due_date                    date,
    source_path                 text          NOT NULL,  -- where the winning line was read
    source_line                 integer       NOT NULL   -- (the manifest names the run that read the file)
) PARTITION BY RANGE (occurred_at);
-- (a warehouse bootstrapped before: the run of each row is the manifest's, per file)
ALTER TABLE core.fact_task_events DROP COLUMN IF EXISTS run_id;

-- Each task's last task_created or status_changed fact in (occurred_at, event_id) order: the
-- previous event of the task's next status change (events/create_tmp_minutes.sql). load_events
-- keeps it in the transaction that adds the facts; a warehouse bootstrapped before it gets it
-- from the facts.
DO $$
BEGIN
    IF to_regclass('core.task_status_tail') IS NULL THEN
        CREATE TABLE core.task_status_tail (
            task_id      bigint       PRIMARY KEY,
            occurred_at  timestamptz  NOT NULL,
            event_id     text         NOT NULL
        );
        INSERT INTO core.task_status_tail (task_id, occurred_at, event_id)
        SELECT DISTINCT ON (f.task_id) f.task_id, f.occurred_at, f.event_id
        FROM core.fact_task_events f
        WHERE f.event_type IN ('task_created', 'status_changed')
        ORDER BY f.task_id, f.occurred_at DESC, f.event_id COLLATE "C" DESC;
    END IF;
END $$;
-- Its key and indexes: taskflow/bootstrap/create_fact_indexes.sql.
