"""
### crm_nightly

Moves one business day of CRM changes into the warehouse star schema.

| stage | what happens |
|---|---|
| `bootstrap` | applies the warehouse DDL (idempotent) and opens the run's row in `audit.etl_run_log` |
| `extract` | checks the source's freshness (a table whose newest change is more than 72 h before the interval end fails the run), then streams rows with `updated_at` in `[W - lookback, interval_end)` from `crm_source` into `staging.*` (COPY), W = min(interval start, table watermark) |
| `validate` | pandera rules per table; failing rows are recorded with all reasons; quality gates (key completeness >= 95 %, quarantine <= 5 %) fail the run on a batch of 200 rows or more, without retries, and warn below that |
| `load` | per table, one transaction: quarantine bad rows, transform (pandas), COPY into a temp table, merge newer-wins into `core`, release fixed rows, advance the watermark |
| `marts` | rebuilds `marts.customer_segments`, `segment_summary`, `segment_movement` and `daily_sales` for the business day in one transaction, then checks them into `audit.data_quality_log` |
| `reconcile` | beside the mart checks: per table, the source rows with `updated_at` before the interval end against core plus open quarantine (count, keys, versions; order-line amounts); a mismatch fails the run and names the table, the counts and 10 keys |
| `finish` | marks the run `success` (or `failed`) in `audit.etl_run_log`; on success emits an Asset per mart, extra `{"as_of_date", "run_id"}` (audience_handoff runs on `marts.customer_segments`) |

**Interval.** The run for business day D covers `[D 00:00, D+1 00:00)` in `ETL_BUSINESS_TZ`
(default UTC) and starts at D+1 02:00. `airflow dags test crm_nightly 2026-10-06T02:00:00+00:00`
processes 2026-10-05. Backfill with
`airflow backfill create --dag-id crm_nightly --from-date 2026-10-01 --to-date 2026-10-03`.

**Params** (manual runs): `full_refresh` re-extracts everything before the interval end;
`lookback_hours` widens the extract window backwards (0-720).
"""

from __future__ import annotations

from airflow.sdk import Asset, TaskGroup, TriggerRule, chain, dag, task

from include.crm.contracts import SOURCE_POOL
from include.crm.pipeline import PIPELINE
from include.crm.summary import MORNING_SUMMARY
from include.warehouse_kit.dag_defaults import nightly_arguments, nightly_schedule
from include.warehouse_kit.notify import run_success_callback
from include.warehouse_kit.pipeline import run_task
from include.warehouse_kit.run_context import airflow_params

# One Asset per mart, emitted once the run succeeded (its marts checked): downstream DAGs such
# as audience_handoff schedule on them.
MART_ASSETS = ("marts.customer_segments", "marts.segment_summary", "marts.segment_movement", "marts.daily_sales")


@dag(schedule=nightly_schedule(), **nightly_arguments(doc_md=__doc__, tags=["crm", "warehouse", "nightly"],
                                                params=airflow_params(PIPELINE.params)))
def crm_nightly():
    @task
    def bootstrap(**context) -> None:
        run_task(context, PIPELINE, "bootstrap")

    @task
    def extract(table: str, **context) -> None:
        run_task(context, PIPELINE, "extract", table)

    @task
    def validate(table: str, **context) -> None:
        run_task(context, PIPELINE, "validate", table)

    @task
    def load(table: str, **context) -> None:
        run_task(context, PIPELINE, "load", table)

    @task
    def build_marts(**context) -> None:
        run_task(context, PIPELINE, "build_marts")

    @task
    def check_marts(**context) -> None:
        run_task(context, PIPELINE, "check_marts")

    @task(pool=SOURCE_POOL)
    def reconcile(**context) -> None:
        run_task(context, PIPELINE, "reconcile")

    # The morning Slack summary; the marts' Assets, emitted only once the run has succeeded with
    # its mart checks passed, each event's extra naming as_of_date and run_id.
    @task(on_success_callback=[run_success_callback(MORNING_SUMMARY)], outlets=[Asset(n) for n in MART_ASSETS])
    def finish_success(**context) -> None:
        run_task(context, PIPELINE, "finish", status="success")

    @task(trigger_rule=TriggerRule.ONE_FAILED, retries=0)
    def finish_failed(**context) -> None:
        run_task(context, PIPELINE, "finish", status="failed")

    tables = PIPELINE.tables
    start = bootstrap()
    with TaskGroup("extract", tooltip="CRM -> staging, streamed with COPY"):
        # The source pool lets two extracts run at once: the biggest tables go first, since their
        # extract -> validate chain is the longest and every load waits for all of them.
        extracts = [extract.override(task_id=f"extract_{t.name}", pool=SOURCE_POOL,
                                     priority_weight=t.extract_priority)(t.name) for t in tables]
    with TaskGroup("validate", tooltip="pandera rules and quality gates"):
        validations = [validate.override(task_id=f"validate_{t.name}")(t.name) for t in tables]
    with TaskGroup("load", tooltip="quarantine, transform, merge into core; one transaction per table"):
        loads = {t.name: load.override(task_id=f"load_{t.name}")(t.name) for t in tables}
    for t in tables:
        for before in t.load_after:
            loads[before] >> loads[t.name]
    first_loads = [loads[t.name] for t in tables if not t.load_after]
    last_loads = [loads[t.name] for t in tables if not any(t.name in o.load_after for o in tables)]

    chain(start, extracts, validations)
    for validation in validations:  # every gate must pass before anything loads
        validation >> first_loads
    with TaskGroup("marts", tooltip="rebuild segments and sales for the business day, then check them"):
        built, checked = build_marts(), check_marts()
        built >> checked
    last_loads >> built
    # The source against core and quarantine, beside the marts' checks; a mismatch fails the run.
    reconciled = reconcile()
    built >> reconciled
    done, failed = finish_success(), finish_failed()
    [checked, reconciled] >> done
    # finish_failed follows every other task: any failure marks the run failed in the run log.
    everything = [t for t in done.operator.dag.tasks if t not in (done.operator, failed.operator)]
    everything >> failed.operator


crm_nightly()
