"""
### crm_nightly

Moves one business day of CRM changes into the warehouse star schema.

| stage | what happens |
|---|---|
| `bootstrap` | applies the warehouse DDL (idempotent) and opens the run's row in `audit.etl_run_log` |
| `extract` | streams rows with `updated_at` in `[W - lookback, interval_end)` from `crm_source` into `staging.*` (COPY), W = min(interval start, table watermark) |
| `validate` | pandera rules per table; failing rows are recorded with all reasons; quality gates (key completeness >= 95 %, quarantine <= 5 %) fail the run |
| `load` | per table, one transaction: quarantine bad rows, transform (pandas), COPY into a temp table, merge newer-wins into `core`, release fixed rows, advance the watermark |
| `marts` | rebuilds `marts.customer_segments`, `segment_summary`, `segment_movement` and `daily_sales` for the business day in one transaction (emits an Asset per mart), then checks them into `audit.data_quality_log` |
| `finish` | marks the run `success` (or `failed`) in `audit.etl_run_log` |

**Interval.** The run for business day D covers `[D 00:00, D+1 00:00)` in `ETL_BUSINESS_TZ`
(default UTC) and starts at D+1 02:00. `airflow dags test crm_nightly 2026-10-06T02:00:00+00:00`
processes 2026-10-05. Backfill with
`airflow backfill create --dag-id crm_nightly --from-date 2026-10-01 --to-date 2026-10-03`.

**Params** (manual runs): `full_refresh` re-extracts everything before the interval end;
`lookback_hours` widens the extract window backwards (0-720).
"""

from __future__ import annotations

import datetime as dt
import os
import time

import pendulum
from airflow.sdk import Asset, Param, TaskGroup, TriggerRule, chain, dag, task
from business_day_timetable import BusinessDayTimetable

from include.crm.contracts import TABLES
from include.warehouse_kit.dag_defaults import default_args
from include.warehouse_kit.notify import on_run_success
from include.warehouse_kit.run_context import DEFAULT_LOOKBACK_HOURS, MAX_LOOKBACK_HOURS
from include.warehouse_kit.settings import SOURCE_CONN_ID, SOURCE_POOL, WAREHOUSE_CONN_ID

# One Asset per mart, emitted when the marts are published: downstream DAGs can schedule on them.
MART_ASSETS = ("marts.customer_segments", "marts.segment_summary", "marts.segment_movement", "marts.daily_sales")
# The source pool lets two extracts run at once: the biggest tables go first, since their
# extract -> validate chain is the longest and every load waits for all of them.
EXTRACT_PRIORITY = {"order_items": 4, "orders": 3, "customers": 2, "products": 1}


def _run(context, step: str, fn) -> None:
    """Run one pipeline step against the warehouse, timing it into the run log.

    The step logs its counts and records them in audit.etl_run_log. Nothing goes to XCom: no
    task reads another's output, and a returned dict would be one XCom per key plus one for
    the dict, each a round trip to the api-server.
    """
    from include.crm import pipeline
    from include.warehouse_kit import connections
    from include.warehouse_kit.run_context import RunContext

    ctx = RunContext.from_airflow(context)
    started = time.monotonic()
    with connections.connect(WAREHOUSE_CONN_ID) as wh:
        fn(wh, ctx, pipeline, connections)
        pipeline.record_task_seconds(wh, ctx, step, time.monotonic() - started)


@dag(
    schedule=BusinessDayTimetable(timezone=os.environ.get("ETL_BUSINESS_TZ", "UTC"), run_at=dt.time(2, 0)),
    start_date=pendulum.datetime(2024, 1, 1, tz="UTC"),
    catchup=False,
    max_active_runs=1,
    tags=["crm", "warehouse", "nightly"],
    doc_md=__doc__,
    default_args=default_args(execution_timeout=dt.timedelta(minutes=45), max_retry_delay=dt.timedelta(hours=1)),
    params={
        "full_refresh": Param(False, type="boolean",
                              description="Extract every row before the interval end, ignoring watermarks."),
        "lookback_hours": Param(DEFAULT_LOOKBACK_HOURS, type="integer", minimum=0, maximum=MAX_LOOKBACK_HOURS,
                                description="Hours to re-read before the watermark (late commits)."),
    },
)
def crm_nightly():
    @task
    def bootstrap(**context) -> None:
        _run(context, "bootstrap", lambda wh, ctx, p, c: p.bootstrap(wh, ctx))

    @task
    def extract_table(table: str, **context) -> None:
        def step(wh, ctx, p, c):
            from include.crm.contracts import BY_NAME

            with c.connect(SOURCE_CONN_ID) as src:
                return p.extract(src, wh, BY_NAME[table], ctx)

        _run(context, f"extract_{table}", step)

    @task
    def validate_table(table: str, **context) -> None:
        def step(wh, ctx, p, c):
            from include.crm.contracts import BY_NAME

            return p.validate(wh, BY_NAME[table], ctx)

        _run(context, f"validate_{table}", step)

    @task
    def load_table(table: str, **context) -> None:
        _run(context, f"load_{table}", lambda wh, ctx, p, c: p.load(wh, table, ctx))

    @task(outlets=[Asset(name) for name in MART_ASSETS])
    def build_marts(**context) -> None:
        _run(context, "build_marts", lambda wh, ctx, p, c: p.build_marts(wh, ctx))

    @task
    def check_marts(**context) -> None:
        _run(context, "check_marts", lambda wh, ctx, p, c: p.check_marts(wh, ctx))

    @task(on_success_callback=[on_run_success])  # the morning Slack summary
    def finish_success(**context) -> None:
        _run(context, "finish", lambda wh, ctx, p, c: p.finish(wh, ctx, status="success"))

    @task(trigger_rule=TriggerRule.ONE_FAILED, retries=0)
    def finish_failed(**context) -> None:
        _run(context, "finish", lambda wh, ctx, p, c: p.finish(wh, ctx, status="failed"))

    start = bootstrap()
    with TaskGroup("extract", tooltip="CRM -> staging, streamed with COPY"):
        extracts = [extract_table.override(task_id=f"extract_{t.name}", pool=SOURCE_POOL,
                                           priority_weight=EXTRACT_PRIORITY[t.name])(t.name)
                    for t in TABLES]
    with TaskGroup("validate", tooltip="pandera rules and quality gates"):
        validations = [validate_table.override(task_id=f"validate_{t.name}")(t.name) for t in TABLES]
    with TaskGroup("load", tooltip="quarantine, transform, merge into core; one transaction per table"):
        products, customers, orders, items = (
            load_table.override(task_id=f"load_{t.name}")(t.name) for t in TABLES)
        chain([products, customers], orders, items)

    chain(start, extracts, validations)
    for validation in validations:  # every gate must pass before anything loads
        validation >> [products, customers]
    with TaskGroup("marts", tooltip="rebuild segments and sales for the business day, then check them"):
        built, checked = build_marts(), check_marts()
        built >> checked
    done, failed = finish_success(), finish_failed()
    items >> built
    checked >> done
    [start, *extracts, *validations, products, customers, orders, items, built, checked] >> failed


crm_nightly()
