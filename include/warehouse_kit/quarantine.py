"""Quarantine and release, inside a load's transaction.

`quarantine` moves the batch's rejects (staging.rejects) into audit.quarantine, superseding an
older bad version of the same source row; `release` lets a newer valid version fix an open
entry and keeps a stale valid version out. An open entry means "this source row is here, not
in core", so every extracted row is in exactly one of the two places.
"""

from __future__ import annotations

import psycopg

from include.warehouse_kit.load import temp_table
from include.warehouse_kit.run_context import RunContext
from include.warehouse_kit.sql_files import query, run_sql
from include.warehouse_kit.tables import SourceTable

REJECT_COLUMNS = {"staging_row": "bigint", "source_id": "bigint", "source_updated_at": "timestamptz",
                  "reasons": "text[]"}


def quarantine(wh: psycopg.Connection, table: SourceTable, ctx: RunContext) -> int:
    """Move this batch's rejects into audit.quarantine (they stay in tmp_rejects for the load);
    returns how many rows were rejected."""
    params = ctx.keys() | {"source_table": table.qualified_name}
    temp_table(wh, "tmp_rejects", REJECT_COLUMNS)
    run_sql(wh, "kit/load/fill_tmp_rejects.sql", params)
    run_sql(wh, "kit/load/quarantine_rejects.sql", params, staging_table=table.staging, primary_key=table.primary_key)
    return wh.execute(query("kit/load/count_tmp_rejects.sql")).fetchone()[0]


def remove_replaced(wh: psycopg.Connection, core_table: str, key: str) -> int:
    """A newer bad version replaces the loaded one: the row now lives in quarantine only."""
    return wh.execute(query("kit/load/delete_replaced_by_rejects.sql", core_table=core_table, key=key)).rowcount


def release(wh: psycopg.Connection, table: SourceTable) -> int:
    return run_sql(wh, "kit/load/release_quarantine.sql", {"source_table": table.qualified_name},
                   primary_key=table.primary_key)
