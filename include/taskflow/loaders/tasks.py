"""tasks -> core.dim_task (SCD1, newer wins). A task whose project has not arrived loads against
an inferred dim_project member; events that loaded against an inferred task learn its project.
A first load into the empty dim_task inserts the tasks and builds the indexes after them."""

from __future__ import annotations

import psycopg

from include.taskflow.contracts import TASKS
from include.warehouse_kit import load as kit_load
from include.warehouse_kit.quarantine import quarantine, release
from include.warehouse_kit.run_context import RunContext
from include.warehouse_kit.sql_files import query, run_sql

TMP_TASKS = {"task_id": "bigint", "project_id": "bigint", "title": "text", "priority": "text",
             "assignee_id": "bigint", "status": "text", "due_date": "date", "created_at": "timestamptz",
             "updated_at": "timestamptz", "completed_at": "timestamptz", "deleted_at": "timestamptz"}


def load(wh: psycopg.Connection, ctx: RunContext) -> dict:
    with kit_load.transaction(wh, TASKS, ctx) as counts, kit_load.indexes_after_rows(wh, "core.dim_task") as first:
        counts["quarantined"] = quarantine(wh, TASKS, ctx)
        kit_load.fill_valid_as_staged(wh, TASKS, ctx, TMP_TASKS)
        counts["released"] = release(wh, TASKS)
        counts["loaded"] = kit_load.count_rows(wh, "tmp_valid")
        counts["inferred_projects"] = wh.execute(query("taskflow/load/insert_inferred_projects.sql")).rowcount
        run_sql(wh, "taskflow/load/create_tmp_filled_tasks.sql")
        counts["queued_for_marts"] = wh.execute(query("taskflow/marts/agg_queue_tasks.sql")).rowcount
        write = "taskflow/load/insert_dim_task.sql" if first else "taskflow/load/merge_dim_task.sql"
        counts["written"] = wh.execute(query(write, rows=query("taskflow/load/dim_task_rows.sql"))).rowcount
        counts["events_rekeyed"] = wh.execute(query("taskflow/load/update_event_projects.sql")).rowcount
    return counts
