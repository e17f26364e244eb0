"""The TaskFlow source contract: the product database's tables (users, projects, tasks), the
JSON Lines event logs in object storage, and the marts' contract."""

from __future__ import annotations

import os
from pathlib import Path

from include.warehouse_kit.tables import FileSource, Reconcile, SourceTable, by_name

DOMAIN = "taskflow"
DAG_ID = "taskflow_nightly"
SOURCE_CONN_ID = "taskflow_source"
SOURCE_SCHEMA = "taskflow"
SOURCE_POOL = "taskflow_source"
SOURCE_POOL_SLOTS = 2

# The event logs' root, an ObjectStoragePath URL: file:///... or s3://<conn_id>@bucket/prefix.
EVENTS_URL_ENV = "ETL_TASKFLOW_EVENTS_URL"
DEFAULT_EVENTS_DIR = ".local/taskflow_events"  # under the repository, for a single machine

TS, ID, TEXT, BOOL, DATE = "timestamptz", "bigint", "text", "boolean", "date"



def _table(name: str, row_model: str, types: dict[str, str], key_fields: tuple[str, ...], feeds: str,
           extract_priority: int, load_after: tuple[str, ...] = ()) -> SourceTable:
    """A TaskFlow table: its rules in rules.py, its loader in loaders/<name>.py, landing in
    staging.taskflow_<name>, reconciled by reconcile/core_<name>.sql; the first key field is its
    primary key."""
    return SourceTable(name=name, schema=SOURCE_SCHEMA, types=types, primary_key=key_fields[0],
                       key_fields=key_fields, model=f"include.taskflow.rules:{row_model}",
                       loader=f"include.taskflow.loaders.{name}:load", feeds=(feeds,), load_after=load_after,
                       extract_priority=extract_priority, landing=f"staging.taskflow_{name}",
                       reconcile=Reconcile(f"taskflow/reconcile/core_{name}.sql"))


USERS = _table("users", "UserRow", {
    "user_id": ID, "email": TEXT, "full_name": TEXT, "team": TEXT, "role": TEXT, "is_active": BOOL,
    "created_at": TS, "updated_at": TS,
}, ("user_id", "updated_at"), "core.dim_user", extract_priority=1)
PROJECTS = _table("projects", "ProjectRow", {
    "project_id": ID, "name": TEXT, "category": TEXT, "owner_user_id": ID, "created_at": TS, "updated_at": TS,
    "archived_at": TS,
}, ("project_id", "updated_at"), "core.dim_project", extract_priority=2)
TASKS = _table("tasks", "TaskRow", {
    "task_id": ID, "project_id": ID, "title": TEXT, "priority": TEXT, "assignee_id": ID, "status": TEXT,
    "due_date": DATE, "created_at": TS, "updated_at": TS, "completed_at": TS, "deleted_at": TS,
}, ("task_id", "project_id", "updated_at"), "core.dim_task", extract_priority=3, load_after=("projects",))

# Load order: users and projects before tasks; the events load after all three.
TABLES: tuple[SourceTable, ...] = (USERS, PROJECTS, TASKS)
BY_NAME = by_name(TABLES)

ROLES = ("member", "lead", "admin")
PRIORITIES = ("low", "medium", "high", "urgent")
STATUSES = ("todo", "in_progress", "blocked", "done", "cancelled")
EVENT_TYPES = ("task_created", "status_changed", "assigned", "due_date_changed")
# The event fields, as the JSON Lines files carry them (pyarrow reads them with these types).
EVENT_FIELDS = {"event_id": "string", "event_type": "string", "task_id": "int64", "actor_id": "int64",
                "occurred_at": "string", "from_status": "string", "to_status": "string",
                "assignee_id": "int64", "due_date": "string"}
EVENTS = FileSource(
    name="events", schema=SOURCE_SCHEMA,
    model="include.taskflow.rules:EventLine", root="include.taskflow.contracts:events_url",
    key_fields=("event_id", "event_type", "task_id", "occurred_at"),
    feeds=("core.fact_task_events", "core.task_event_ids", "core.task_status_tail"),
    partition_key="dt", suffixes=(".jsonl", ".jsonl.gz"),
    fact_table="core.fact_task_events", fact_path_column="source_path",
    types={"event_id": TEXT, "event_type": TEXT, "task_id": ID, "actor_id": ID, "occurred_at": TS,
           "from_status": TEXT, "to_status": TEXT, "assignee_id": ID, "due_date": DATE},
)
DEFAULT_LOOKBACK_DAYS = 7
MAX_LOOKBACK_DAYS = 90

# The marts, each emitted as an Asset once the run has succeeded (finish_success).
MARTS = ("marts.agg_daily_metrics", "marts.project_health", "marts.user_productivity")


def events_url() -> str:
    """The event logs' root URL, from ETL_TASKFLOW_EVENTS_URL (read at run time, never at import)."""
    url = os.environ.get(EVENTS_URL_ENV)
    return url or (Path(__file__).resolve().parents[2] / DEFAULT_EVENTS_DIR).as_uri()
