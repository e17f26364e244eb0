"""audit.etl_run_log: one row per (dag_id, run_id), opened by bootstrap and closed by finish;
each step merges its counts and its time into it."""

from __future__ import annotations

import json

import psycopg

from include.warehouse_kit.run_context import RunContext
from include.warehouse_kit.sql_files import query


def start_run(wh: psycopg.Connection, ctx: RunContext) -> None:
    wh.execute(query("kit/audit/start_run.sql"), ctx.as_params())


def finish_run(wh: psycopg.Connection, ctx: RunContext, status: str, error: str | None) -> None:
    wh.execute(query("kit/audit/finish_run.sql"), ctx.keys() | {"status": status, "error": error})


def record_counts(wh: psycopg.Connection, ctx: RunContext, table: str, counts: dict) -> None:
    wh.execute(query("kit/audit/record_table_counts.sql"),
               ctx.keys() | {"source_table": table, "counts": json.dumps(counts)})


def record_task_seconds(wh: psycopg.Connection, ctx: RunContext, task: str, seconds: float) -> None:
    wh.execute(query("kit/audit/record_task_seconds.sql"), ctx.keys() | {"task": task, "seconds": round(seconds, 3)})


def latest_status(wh: psycopg.Connection, dag_id: str, business_date) -> str | None:
    """The status of the DAG's best run of a business day: a success if there is one, else the latest."""
    row = wh.execute(query("kit/audit/select_day_status.sql"),
                     {"dag_id": dag_id, "business_date": business_date}).fetchone()
    return row[0] if row else None
