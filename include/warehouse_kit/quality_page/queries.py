"""The Data quality page's reads: audit tables only, each query a file in
include/sql/kit/quality_page/, values as bind parameters. The session is the page kit's
reader (read-only, time-limited, `warehouse_reader` when it exists)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import psycopg

from include.warehouse_kit.page_kit import csv_export, reader
from include.warehouse_kit.page_kit.params import FilterError
from include.warehouse_kit.sql_files import query

APPLICATION_NAME = "etl:data_quality_page"
FRESHNESS, RECONCILIATION = ".freshness", "reconciliation"
# What the page reads (include/sql/kit/quality_page/), for docs/lineage.md.
READS = ("audit.etl_run_log", "audit.data_quality_log", "audit.column_profile", "audit.quarantine")


def connect(info: str | None = None) -> psycopg.Connection:
    return reader.connect(APPLICATION_NAME, info)


def pipelines(conn: psycopg.Connection) -> list[dict[str, Any]]:
    """Each pipeline's latest run."""
    return reader.json_rows(conn, query("kit/quality_page/select_latest_runs.sql"), {})


def run_of(conn: psycopg.Connection, dag_id: str | None) -> dict[str, Any]:
    """The latest run of `dag_id` (the first pipeline when None); FilterError for an unknown one,
    LookupError when no pipeline has run yet."""
    runs = pipelines(conn)
    if not runs:
        raise LookupError("no pipeline has run yet")
    if dag_id is None:
        return runs[0]
    for run in runs:
        if run["dag_id"] == dag_id:
            return run
    raise FilterError(f"dag_id {dag_id!r} is not one of {[r['dag_id'] for r in runs]}")


def pipeline(conn: psycopg.Connection, dag_id: str | None) -> dict[str, Any]:
    """Everything the page shows of one pipeline."""
    run = run_of(conn, dag_id)
    keys = {"dag_id": run["dag_id"], "run_id": run["run_id"]}
    checks = reader.json_rows(conn, query("kit/quality_page/select_run_checks.sql"), keys)
    return {
        "run": run,
        "checks": checks,
        "freshness": [c for c in checks if c["check"].endswith(FRESHNESS)],
        "reconciliation": [c for c in checks if c["check"].endswith(RECONCILIATION)],
        "profiles": reader.json_rows(conn, query("kit/quality_page/select_latest_profiles.sql"), keys),
        "quarantine": reader.json_rows(conn, query("kit/quality_page/select_open_quarantine.sql"), keys),
        "quarantine_tables": reader.json_rows(conn, query("kit/quality_page/count_open_quarantine.sql"), keys),
    }


def quarantine_chunks(dag_id: str, source_table: str | None, info: str | None = None) -> Iterator[bytes]:
    """The open quarantine rows as Excel-safe CSV, streamed."""
    return csv_export.csv_chunks(lambda: connect(info), query("kit/quality_page/select_open_quarantine_rows.sql"),
                                 {"dag_id": dag_id, "source_table": source_table},
                                 cursor_name="quality_quarantine_export")
