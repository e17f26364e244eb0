-- The audit schema every pipeline shares. Each row belongs to one pipeline: run-level tables
-- are keyed by (dag_id, run_id), since a scheduled run_id such as
-- scheduled__2026-10-05T00:00:00+00:00 is the same for every DAG on one timetable.
CREATE SCHEMA IF NOT EXISTS audit;
CREATE SCHEMA IF NOT EXISTS staging;

-- Per-table high-water mark of a pipeline: every source row with updated_at < watermark has been
-- loaded. It only moves forward, and only in the transaction that commits the table's load.
CREATE TABLE IF NOT EXISTS audit.watermarks (
    pipeline      text        NOT NULL,  -- the dag_id
    source_table  text        NOT NULL,
    watermark     timestamptz NOT NULL,
    run_id        text        NOT NULL,
    updated_at    timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (pipeline, source_table)
);

-- Rows that broke a rule. An open entry (released_at IS NULL) means "this source row is here,
-- not in core". released_at is set when a fixed version loads ('fixed') or a newer bad
-- version replaces this one ('superseded'). source_table is schema-qualified (schema.table).
CREATE TABLE IF NOT EXISTS audit.quarantine (
    quarantine_id      bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    source_table       text        NOT NULL,
    source_id          bigint,
    reasons            text[]      NOT NULL,
    payload            jsonb       NOT NULL,
    run_id             text        NOT NULL,
    quarantined_at     timestamptz NOT NULL DEFAULT now(),
    released_at        timestamptz,
    source_updated_at  timestamptz,
    resolution         text CHECK (resolution IN ('fixed', 'superseded')),
    dag_id             text        NOT NULL
);
CREATE UNIQUE INDEX IF NOT EXISTS quarantine_open_uq
    ON audit.quarantine (source_table, source_id) WHERE released_at IS NULL;
-- A source without an integer key names its rows with text: a file line is "<path>:<line>".
ALTER TABLE audit.quarantine ADD COLUMN IF NOT EXISTS source_key text;
CREATE UNIQUE INDEX IF NOT EXISTS quarantine_open_key_uq
    ON audit.quarantine (source_table, source_key) WHERE released_at IS NULL AND source_key IS NOT NULL;

-- Every source file a pipeline has processed, once: a file listed here is never read again,
-- whatever run, rerun or backfill meets it. Recorded in the transaction that loads the file.
-- lines = loaded + duplicates + quarantined.
CREATE TABLE IF NOT EXISTS audit.file_manifest (
    dag_id        text        NOT NULL,
    source        text        NOT NULL,  -- the source the file belongs to (schema.name)
    path          text        NOT NULL,  -- relative to the source's root
    size          bigint      NOT NULL,
    checksum      text        NOT NULL,  -- sha256 of the bytes as stored
    lines         integer     NOT NULL,
    loaded        integer     NOT NULL,  -- lines that are now facts
    duplicates    integer     NOT NULL,  -- identical copies of an event already loaded
    quarantined   integer     NOT NULL,  -- lines open in audit.quarantine
    run_id        text        NOT NULL,
    processed_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (dag_id, source, path)
);
CREATE INDEX IF NOT EXISTS file_manifest_run_idx ON audit.file_manifest (dag_id, run_id);

-- One row per DAG run: interval, status, timings and per-table counts.
CREATE TABLE IF NOT EXISTS audit.etl_run_log (
    run_id            text        NOT NULL,
    dag_id            text        NOT NULL,
    business_date     date        NOT NULL,
    interval_start    timestamptz NOT NULL,
    interval_end      timestamptz NOT NULL,
    full_refresh      boolean     NOT NULL DEFAULT false,
    status            text        NOT NULL CHECK (status IN ('running', 'success', 'failed')),
    started_at        timestamptz NOT NULL DEFAULT now(),
    finished_at       timestamptz,
    duration_seconds  numeric(10, 2),
    -- {"orders": {"extracted": n, "quarantined": n, "loaded": n, "written": n, "released": n}, ...}
    table_counts      jsonb       NOT NULL DEFAULT '{}'::jsonb,
    -- {"extract_orders": seconds, ...}
    task_seconds      jsonb       NOT NULL DEFAULT '{}'::jsonb,
    error             text,
    PRIMARY KEY (dag_id, run_id)
);
CREATE INDEX IF NOT EXISTS etl_run_log_dag_day_idx ON audit.etl_run_log (dag_id, business_date);

-- Results of data-quality checks and gates (written by include/warehouse_kit/quality.py only).
CREATE TABLE IF NOT EXISTS audit.data_quality_log (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    run_id      text        NOT NULL,
    "check"     text        NOT NULL,
    status      text        NOT NULL CHECK (status IN ('pass', 'warn', 'fail', 'insufficient_history')),
    observed    text,
    expected    text,
    checked_at  timestamptz NOT NULL DEFAULT now(),
    dag_id      text        NOT NULL
);
CREATE INDEX IF NOT EXISTS data_quality_log_dag_run_idx ON audit.data_quality_log (dag_id, run_id);
-- A warehouse from before the anomaly checks: its status check lacks insufficient_history.
ALTER TABLE audit.data_quality_log DROP CONSTRAINT IF EXISTS data_quality_log_status_check;
ALTER TABLE audit.data_quality_log ADD CONSTRAINT data_quality_log_status_check
    CHECK (status IN ('pass', 'warn', 'fail', 'insufficient_history'));

-- Alerts sent, so that a run gets one failure email however many of its tasks fail.
CREATE TABLE IF NOT EXISTS audit.alert_log (
    run_id   text        NOT NULL,
    kind     text        NOT NULL,  -- failure_email, summary, quality_warning, late
    sent_at  timestamptz NOT NULL DEFAULT now(),
    detail   text,
    dag_id   text        NOT NULL,
    PRIMARY KEY (dag_id, run_id, kind)
);

-- The column profile of each run's staged batch, per source and column (profiling.py):
-- distinct_count is exact while distinct_exact, else estimated (within about 1 %);
-- distinct_share = distinct_count / non-null rows; top_values only for few distinct values.
CREATE TABLE IF NOT EXISTS audit.column_profile (
    dag_id          text             NOT NULL,
    run_id          text             NOT NULL,
    table_name      text             NOT NULL,  -- the source's name, as its checks name it
    column_name     text             NOT NULL,
    position        integer          NOT NULL,  -- the column's place in the source's contract
    kind            text             NOT NULL CHECK (kind IN ('numeric', 'temporal', 'text', 'boolean')),
    rows            bigint           NOT NULL,
    nulls           bigint           NOT NULL,
    null_rate       double precision NOT NULL,
    distinct_count  bigint           NOT NULL,
    distinct_exact  boolean          NOT NULL,
    distinct_share  double precision,
    min_value       text,
    max_value       text,
    mean            double precision,
    top_values      jsonb,           -- the most frequent values, each with its count
    profiled_at     timestamptz      NOT NULL DEFAULT now(),
    PRIMARY KEY (dag_id, run_id, table_name, column_name)
);
CREATE INDEX IF NOT EXISTS column_profile_history_idx
    ON audit.column_profile (dag_id, table_name, column_name, profiled_at DESC);

-- Which version of its DDL each domain's warehouse objects have: bootstrap skips the DDL when
-- the files have not changed. DELETE a domain's row to force a full pass.
CREATE TABLE IF NOT EXISTS audit.ddl_version (
    domain       text        PRIMARY KEY,
    fingerprint  text        NOT NULL,  -- sha256 of the kit's and the domain's bootstrap files
    applied_at   timestamptz NOT NULL DEFAULT now()
);

-- Validation verdicts of a run: the rows that failed, with every reason.
CREATE TABLE IF NOT EXISTS staging.rejects (
    run_id             text   NOT NULL,
    source_table       text   NOT NULL,  -- schema-qualified, as in audit.quarantine
    staging_row        bigint NOT NULL,
    source_id          bigint,
    source_updated_at  timestamptz,
    reasons            text[] NOT NULL,
    dag_id             text   NOT NULL
);
CREATE INDEX IF NOT EXISTS rejects_dag_run_idx ON staging.rejects (dag_id, run_id, source_table);
