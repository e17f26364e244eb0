"""projects -> core.dim_project (SCD1, newer wins)."""

from __future__ import annotations

import psycopg

from include.taskflow.contracts import PROJECTS
from include.warehouse_kit import load as kit_load
from include.warehouse_kit.quarantine import quarantine, release
from include.warehouse_kit.run_context import RunContext
from include.warehouse_kit.sql_files import query

TMP_PROJECTS = {"project_id": "bigint", "name": "text", "category": "text", "owner_user_id": "bigint",
                "created_at": "timestamptz", "updated_at": "timestamptz", "archived_at": "timestamptz"}


def load(wh: psycopg.Connection, ctx: RunContext) -> dict:
    with kit_load.transaction(wh, PROJECTS, ctx) as counts:
        counts["quarantined"] = quarantine(wh, PROJECTS, ctx)
        kit_load.fill_valid_as_staged(wh, PROJECTS, ctx, TMP_PROJECTS)
        counts["released"] = release(wh, PROJECTS)
        counts["loaded"] = kit_load.count_rows(wh, "tmp_valid")
        counts["written"] = wh.execute(query("taskflow/load/merge_dim_project.sql")).rowcount
    return counts
