"""taskflow_nightly, declared once: its tables and event logs (contracts.py), its DDL and its
ordered steps. The DAG (dags/taskflow_nightly.py), the in-process runner (`run`, for tests) and
the bench derive from `PIPELINE`.

bootstrap -> extract (users, projects, tasks) -> extract_events -> validate (per table) ->
validate_events -> load (users, projects, tasks) -> load_events -> build_marts -> check_marts and
reconcile -> finish.

pandas, pandera and pyarrow are imported inside the steps that use them.
"""

from __future__ import annotations

import psycopg

from include.taskflow.contracts import (
    DAG_ID,
    DEFAULT_LOOKBACK_DAYS,
    DOMAIN,
    EVENTS,
    MARTS,
    MAX_LOOKBACK_DAYS,
    SOURCE_CONN_ID,
    TABLES,
)
from include.warehouse_kit import bootstrap as kit_bootstrap
from include.warehouse_kit import extract as kit_extract
from include.warehouse_kit import steps
from include.warehouse_kit.pipeline import Pipeline, Step, run_in_process
from include.warehouse_kit.run_context import WATERMARK_PARAMS, ParamSpec, RunContext

DDL_FILES = tuple(f"taskflow/bootstrap/{name}.sql" for name in (
    "create_staging", "create_core", "create_fact_indexes", "create_marts", "create_page_views"))
PARAMS = (*WATERMARK_PARAMS,
          ParamSpec("lookback_days", DEFAULT_LOOKBACK_DAYS,
                    "Days of event partitions before the business day to list again (late files).",
                    minimum=0, maximum=MAX_LOOKBACK_DAYS))


EVENT_LINES = "staging.taskflow_event_lines"
# The marts' tables (contracts.MARTS), and the core tables their build reads (include/sql/taskflow/marts/).
MART_INPUTS = ("core.fact_task_events", "core.dim_task", "core.dim_project", "core.dim_user", "core.dim_date")

STAGING = (*(t.staging for t in TABLES), "staging.taskflow_event_lines", "staging.taskflow_event_files",
           "staging.taskflow_event_repeats", "staging.taskflow_event_keys", "staging.taskflow_event_exceptions")


def bootstrap(wh: psycopg.Connection, ctx: RunContext) -> None:
    """Apply the warehouse DDL (skipped when unchanged) and open the run's log row."""
    kit_bootstrap.bootstrap(wh, ctx, PIPELINE)


def check_marts(wh: psycopg.Connection, ctx: RunContext) -> None:
    """The marts' checks (a failed one fails the run), then the anomaly verdicts (warnings)."""
    from include.taskflow import marts
    from include.taskflow.monitors import MONITORS
    from include.warehouse_kit import anomaly

    marts.check_marts(wh, ctx)
    anomaly.check(wh, ctx, MONITORS)


def reconcile(src: psycopg.Connection, wh: psycopg.Connection, ctx: RunContext) -> None:
    """The source tables and the event manifest against core and quarantine; a mismatch fails the run."""
    from include.warehouse_kit import reconcile as kit_reconcile

    kit_reconcile.check(src, wh, ctx, TABLES, (EVENTS,))


def finish(wh: psycopg.Connection, ctx: RunContext, *, status: str, error: str | None = None) -> None:
    steps.finish(wh, ctx, STAGING, status=status, error=error)


# The events' steps and the marts' are imported when they run (include/taskflow/events.py,
# event_load.py, marts.py).
PIPELINE = Pipeline(
    steps=(
        Step("bootstrap", bootstrap),
        Step("extract", kit_extract.extract, per_table=True, reads_source=True, reads=("{source}",),
             writes=("{staging}",)),
        Step("extract_events", steps.deferred("include.taskflow.events:extract_events"), reads=("{files}",),
             writes=(EVENT_LINES, "audit.column_profile")),
        Step("validate", steps.validate, per_table=True, reads=("{staging}",),
             writes=("staging.rejects", "audit.column_profile")),
        Step("validate_events", steps.deferred("include.taskflow.events:validate_events"), reads=(EVENT_LINES,)),
        Step("load", steps.load, per_table=True, reads=("{staging}", "staging.rejects"),
             writes=("{feeds}", "audit.quarantine")),
        Step("load_events", steps.deferred("include.taskflow.event_load:load_events"),
             reads=(EVENT_LINES, "core.dim_task", "core.dim_user", "core.dim_project"),
             writes=(*EVENTS.feeds, "audit.quarantine", "audit.file_manifest")),
        Step("build_marts", steps.deferred("include.taskflow.marts:build_marts"), reads=MART_INPUTS, writes=MARTS),
        Step("check_marts", check_marts, reads=(*MARTS, *MART_INPUTS)),
        Step("reconcile", reconcile, reads_source=True,
             reads=("{sources}", "{all_feeds}", "core.fact_task_events", "audit.file_manifest", "audit.quarantine")),
    ),
    file_sources=(EVENTS,),
    finish=Step("finish", finish),
    tables=TABLES, params=PARAMS, ddl_files=DDL_FILES,
    dag_id=DAG_ID, domain=DOMAIN, source_conn_id=SOURCE_CONN_ID,
)


def ddl_fingerprint() -> str:
    return kit_bootstrap.ddl_fingerprint(PIPELINE)


def run(source_uri: str, warehouse_uri: str, ctx: RunContext) -> None:
    """Every step of one night in this process, in the DAG's order (tests, benchmarks)."""
    run_in_process(PIPELINE, source_uri, warehouse_uri, ctx)
