-- Source contract of the TaskFlow product database (schema taskflow), as the demo generator
-- (devtools/demo_taskflow/) creates it. Idempotent. No foreign keys and no CHECK constraints:
-- the ETL must handle whatever the product writes.
CREATE SCHEMA IF NOT EXISTS taskflow;

CREATE TABLE IF NOT EXISTS taskflow.users (
    user_id     bigint PRIMARY KEY,
    email       text NULL,
    full_name   text,
    team        text NULL,
    role        text,
    is_active   boolean NOT NULL,
    created_at  timestamptz,
    updated_at  timestamptz
);

CREATE TABLE IF NOT EXISTS taskflow.projects (
    project_id     bigint PRIMARY KEY,
    name           text,
    category       text NULL,
    owner_user_id  bigint NULL,
    created_at     timestamptz,
    updated_at     timestamptz,
    archived_at    timestamptz NULL
);

CREATE TABLE IF NOT EXISTS taskflow.tasks (
    task_id       bigint PRIMARY KEY,
    project_id    bigint NOT NULL,
    title         text,
    priority      text,
    assignee_id   bigint NULL,
    status        text,
    due_date      date NULL,
    created_at    timestamptz,
    updated_at    timestamptz,
    completed_at  timestamptz NULL,
    deleted_at    timestamptz NULL
);

CREATE INDEX IF NOT EXISTS users_updated_at_idx ON taskflow.users (updated_at);
CREATE INDEX IF NOT EXISTS projects_updated_at_idx ON taskflow.projects (updated_at);
CREATE INDEX IF NOT EXISTS tasks_updated_at_idx ON taskflow.tasks (updated_at);
