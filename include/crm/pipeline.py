"""crm_nightly, declared once: its tables (contracts.py), its DDL and its ordered steps. The DAG
(dags/crm_nightly.py), the in-process runner (`run`, for tests) and the bench derive from
`PIPELINE`.

bootstrap -> extract (per table) -> validate (per table) -> load (products, customers, orders,
order_items) -> build_marts -> check_marts and reconcile -> finish.

pandas, pandera and the loaders are imported inside the steps that use them: every Airflow task
is a new process, and bootstrap, extract, check_marts and finish need none of them.
"""

from __future__ import annotations

import psycopg

from include.crm.contracts import DAG_ID, DOMAIN, SOURCE_CONN_ID, TABLES
from include.warehouse_kit import bootstrap as kit_bootstrap
from include.warehouse_kit import extract as kit_extract
from include.warehouse_kit import run_log, staging
from include.warehouse_kit.pipeline import Pipeline, Step, run_in_process
from include.warehouse_kit.run_context import RunContext
from include.warehouse_kit.tables import SourceTable, resolve

# The marts' tables, and the core tables their build reads (include/sql/crm/marts/).
MARTS = ("marts.customer_segments", "marts.segment_summary", "marts.segment_movement", "marts.daily_sales")
MART_INPUTS = ("core.customer_xref", "core.dim_customer", "core.fact_orders")

DDL_FILES = ("crm/bootstrap/create_staging.sql", "crm/bootstrap/create_core.sql",
             "crm/bootstrap/create_marts.sql", "crm/bootstrap/create_change_capture.sql")
# Applying the DDL asks for a full restatement of daily_sales, so a change of the mart's
# definition counts as a change of the DDL.
FINGERPRINTED_FILES = ("crm/marts/build_daily_sales.sql",)


def bootstrap(wh: psycopg.Connection, ctx: RunContext) -> None:
    """Apply the warehouse DDL (skipped when unchanged) and open the run's log row."""
    kit_bootstrap.bootstrap(wh, ctx, PIPELINE)


def extract(src: psycopg.Connection, wh: psycopg.Connection, ctx: RunContext, table: SourceTable) -> None:
    """Changed rows of one CRM table -> staging, with COPY."""
    kit_extract.extract(src, wh, ctx, table)


def validate(wh: psycopg.Connection, ctx: RunContext, table: SourceTable) -> None:
    """The table's pandera rules on its staged batch; its gates fail the run before anything loads."""
    from include.warehouse_kit import validation

    validation.validate(wh, table, ctx)


def load(wh: psycopg.Connection, ctx: RunContext, table: SourceTable) -> None:
    """The table's loader (include/crm/loaders/), one transaction."""
    resolve(table.loader)(wh, ctx)


def build_marts(wh: psycopg.Connection, ctx: RunContext) -> None:
    from include.crm import marts

    marts.build_marts(wh, ctx)


def check_marts(wh: psycopg.Connection, ctx: RunContext) -> None:
    """The marts' checks (a failed one fails the run), then the anomaly verdicts (warnings)."""
    from include.crm import marts
    from include.crm.monitors import MONITORS
    from include.warehouse_kit import anomaly

    marts.check_marts(wh, ctx)
    anomaly.check(wh, ctx, MONITORS)


def reconcile(src: psycopg.Connection, wh: psycopg.Connection, ctx: RunContext) -> None:
    """Each source table against core and quarantine; a mismatch fails the run."""
    from include.warehouse_kit import reconcile as kit_reconcile

    kit_reconcile.check(src, wh, ctx, PIPELINE.tables)


def finish(wh: psycopg.Connection, ctx: RunContext, *, status: str, error: str | None = None) -> None:
    """Close the run's log row; a successful run drops the staged batches no run needs any more."""
    with wh.transaction():
        run_log.finish_run(wh, ctx, status, error)
    if status == "success":
        staging.drop_finished_batches(wh, ctx, tuple(t.staging for t in PIPELINE.tables))


PIPELINE = Pipeline(
    dag_id=DAG_ID,
    domain=DOMAIN,
    source_conn_id=SOURCE_CONN_ID,
    tables=TABLES,
    ddl_files=DDL_FILES,
    fingerprinted_files=FINGERPRINTED_FILES,
    steps=(
        Step("bootstrap", bootstrap),
        Step("extract", extract, per_table=True, reads_source=True, reads=("{source}",), writes=("{staging}",)),
        Step("validate", validate, per_table=True, reads=("{staging}",),
             writes=("staging.rejects", "audit.column_profile")),
        Step("load", load, per_table=True, reads=("{staging}", "staging.rejects"),
             writes=("{feeds}", "audit.quarantine")),
        Step("build_marts", build_marts, reads=MART_INPUTS, writes=MARTS),
        Step("check_marts", check_marts, reads=(*MARTS, *MART_INPUTS)),
        Step("reconcile", reconcile, reads_source=True, reads=("{sources}", "{all_feeds}", "audit.quarantine")),
    ),
    finish=Step("finish", finish),
    owns_unkeyed_audit=True,
)


def ddl_fingerprint() -> str:
    return kit_bootstrap.ddl_fingerprint(PIPELINE)


def run(source_uri: str, warehouse_uri: str, ctx: RunContext) -> None:
    """Every step of one night in this process, in the DAG's order (tests, benchmarks)."""
    run_in_process(PIPELINE, source_uri, warehouse_uri, ctx)

