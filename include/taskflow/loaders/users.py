"""users -> core.dim_user (SCD2 on team, role and is_active)."""

from __future__ import annotations

import psycopg

from include.taskflow.contracts import USERS
from include.warehouse_kit import load as kit_load
from include.warehouse_kit.quarantine import quarantine, release
from include.warehouse_kit.run_context import RunContext
from include.warehouse_kit.sql_files import query, run_sql

TMP_USERS = {"user_id": "bigint", "email": "text", "full_name": "text", "team": "text", "role": "text",
             "is_active": "boolean", "created_at": "timestamptz", "updated_at": "timestamptz"}


def load(wh: psycopg.Connection, ctx: RunContext) -> dict:
    with kit_load.transaction(wh, USERS, ctx) as counts:
        counts["quarantined"] = quarantine(wh, USERS, ctx)
        kit_load.fill_valid_as_staged(wh, USERS, ctx, TMP_USERS)
        counts["released"] = release(wh, USERS)
        counts["loaded"] = kit_load.count_rows(wh, "tmp_valid")
        run_sql(wh, "taskflow/load/merge_dim_user.sql")
        counts["versions_opened"] = wh.execute(query("taskflow/load/count_user_changes.sql")).fetchone()[0]
    return counts
