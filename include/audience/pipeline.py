"""audience_handoff, declared once: its DDL, its Params, how a task finds its snapshot, and
its ordered steps (include/audience/handoff.py). The DAG (dags/audience_handoff.py) and the
in-process runner of the tests derive from `PIPELINE`.

bootstrap -> validate -> extract -> transform -> package -> execute -> finish (record).
"""

from __future__ import annotations

import psycopg

from include.audience import handoff
from include.audience import run as runs
from include.audience.contracts import DAG_ID, DOMAIN
from include.warehouse_kit import bootstrap as kit_bootstrap
from include.warehouse_kit.pipeline import Pipeline, Step
from include.warehouse_kit.run_context import RunContext
from include.warehouse_kit.settings import WAREHOUSE_CONN_ID

DDL_FILES = ("audience/bootstrap/create_audience.sql",)


def bootstrap(wh: psycopg.Connection, ctx: RunContext) -> None:
    """Apply the DDL (skipped when unchanged), open the run's log row, pin its snapshot."""
    kit_bootstrap.bootstrap(wh, ctx, PIPELINE)
    with wh.transaction():
        runs.pin(wh, ctx)


PIPELINE = Pipeline(
    dag_id=DAG_ID,
    domain=DOMAIN,
    source_conn_id=WAREHOUSE_CONN_ID,  # it reads the warehouse's marts, and nothing else
    tables=(),
    ddl_files=DDL_FILES,
    steps=(
        Step("bootstrap", bootstrap),
        Step("validate", handoff.validate,
             reads=("marts.customer_segments", "audit.etl_run_log", "audit.data_quality_log")),
        Step("extract", handoff.extract, reads=("marts.customer_segments", "core.dim_customer"),
             writes=("staging.audience_members",)),
        Step("transform", handoff.transform, reads=("staging.audience_members",),
             writes=("staging.audience_payloads",)),
        Step("package", handoff.package, reads=("staging.audience_payloads", "audit.audience_delivered"),
             writes=("audit.handoff_packages", "audit.handoff_package_members", "audit.handoff_batches")),
        Step("execute", handoff.execute, reads=("audit.handoff_batches", "audit.handoff_package_members"),
             writes=("audit.audience_delivered", "audit.audience_state")),
    ),
    finish=Step("record", handoff.finish, writes=("audit.handoff_log",)),
    params=runs.PARAMS,
    run_context=runs.run_context,
)


def run(warehouse_uri: str, *, run_id: str, as_of_date: str | None = None, full_resync: bool = False,
        triggering_asset_events=None) -> RunContext:
    """Every step of one handoff run in this process, in the DAG's order (tests, the demo's
    checks). The snapshot is chosen as in a task: from the events, the Param, or the latest."""
    from types import SimpleNamespace

    from include.warehouse_kit import pg_io
    from include.warehouse_kit.pipeline import run_in_process

    context = {"dag": SimpleNamespace(dag_id=DAG_ID), "run_id": run_id,
               "params": {"as_of_date": as_of_date, "full_resync": full_resync},
               "triggering_asset_events": triggering_asset_events or {}}
    with pg_io.connect(warehouse_uri) as wh:
        ctx = PIPELINE.context(context, wh)
    run_in_process(PIPELINE, warehouse_uri, warehouse_uri, ctx)
    return ctx
