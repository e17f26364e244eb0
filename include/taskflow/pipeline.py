"""taskflow_nightly, declared once: its tables and event logs (contracts.py), its DDL and its
ordered steps. The DAG (dags/taskflow_nightly.py), the in-process runner (`run`, for tests) and
the bench derive from `PIPELINE`.

bootstrap -> extract (users, projects, tasks) -> extract_events -> validate (per table) ->
validate_events -> load (users, projects, tasks) -> load_events -> build_marts -> check_marts
-> finish.

pandas, pandera and pyarrow are imported inside the steps that use them.
"""

from __future__ import annotations

import psycopg

from include.taskflow.contracts import DAG_ID, DEFAULT_LOOKBACK_DAYS, DOMAIN, MAX_LOOKBACK_DAYS, SOURCE_CONN_ID, TABLES
from include.warehouse_kit import bootstrap as kit_bootstrap
from include.warehouse_kit import extract as kit_extract
from include.warehouse_kit import run_log, staging
from include.warehouse_kit.pipeline import Pipeline, Step, run_in_process
from include.warehouse_kit.run_context import WATERMARK_PARAMS, ParamSpec, RunContext
from include.warehouse_kit.tables import SourceTable, resolve

DDL_FILES = ("taskflow/bootstrap/create_staging.sql", "taskflow/bootstrap/create_core.sql",
             "taskflow/bootstrap/create_fact_indexes.sql", "taskflow/bootstrap/create_marts.sql", "taskflow/bootstrap/create_page_views.sql")
PARAMS = (*WATERMARK_PARAMS,
          ParamSpec("lookback_days", DEFAULT_LOOKBACK_DAYS,
                    "Days of event partitions before the business day to list again (late files).",
                    minimum=0, maximum=MAX_LOOKBACK_DAYS))
EVENT_STAGING = ("staging.taskflow_event_lines", "staging.taskflow_event_files", "staging.taskflow_event_repeats")


def bootstrap(wh: psycopg.Connection, ctx: RunContext) -> None:
    """Apply the warehouse DDL (skipped when unchanged) and open the run's log row."""
    kit_bootstrap.bootstrap(wh, ctx, PIPELINE)


def extract(src: psycopg.Connection, wh: psycopg.Connection, ctx: RunContext, table: SourceTable) -> None:
    """Changed rows of one TaskFlow table -> staging, with COPY."""
    kit_extract.extract(src, wh, ctx, table)


def extract_events(wh: psycopg.Connection, ctx: RunContext) -> None:
    """The event files no run has processed -> parsed, checked and staged line by line."""
    from include.taskflow import events

    events.extract_events(wh, ctx)


def validate(wh: psycopg.Connection, ctx: RunContext, table: SourceTable) -> None:
    """The table's pandera rules on its staged batch; its gates fail the run before anything loads."""
    from include.warehouse_kit import validation

    validation.validate(wh, table, ctx)


def validate_events(wh: psycopg.Connection, ctx: RunContext) -> None:
    from include.taskflow import events

    events.validate_events(wh, ctx)


def load(wh: psycopg.Connection, ctx: RunContext, table: SourceTable) -> None:
    """The table's loader (include/taskflow/loaders/), one transaction."""
    resolve(table.loader)(wh, ctx)


def load_events(wh: psycopg.Connection, ctx: RunContext) -> None:
    from include.taskflow import events

    events.load_events(wh, ctx)


def build_marts(wh: psycopg.Connection, ctx: RunContext) -> None:
    from include.taskflow import marts

    marts.build_marts(wh, ctx)


def check_marts(wh: psycopg.Connection, ctx: RunContext) -> None:
    from include.taskflow import marts

    marts.check_marts(wh, ctx)


def finish(wh: psycopg.Connection, ctx: RunContext, *, status: str, error: str | None = None) -> None:
    """Close the run's log row; a successful run drops the staged batches no run needs any more."""
    with wh.transaction():
        run_log.finish_run(wh, ctx, status, error)
    if status == "success":
        staging.drop_finished_batches(wh, ctx, (*(t.staging for t in PIPELINE.tables), *EVENT_STAGING))


PIPELINE = Pipeline(
    dag_id=DAG_ID,
    domain=DOMAIN,
    source_conn_id=SOURCE_CONN_ID,
    tables=TABLES,
    ddl_files=DDL_FILES,
    params=PARAMS,
    steps=(
        Step("bootstrap", bootstrap),
        Step("extract", extract, per_table=True, reads_source=True),
        Step("extract_events", extract_events),
        Step("validate", validate, per_table=True),
        Step("validate_events", validate_events),
        Step("load", load, per_table=True),
        Step("load_events", load_events),
        Step("build_marts", build_marts),
        Step("check_marts", check_marts),
    ),
    finish=Step("finish", finish),
)


def ddl_fingerprint() -> str:
    return kit_bootstrap.ddl_fingerprint(PIPELINE)


def run(source_uri: str, warehouse_uri: str, ctx: RunContext) -> None:
    """Every step of one night in this process, in the DAG's order (tests, benchmarks)."""
    run_in_process(PIPELINE, source_uri, warehouse_uri, ctx)
