"""
### taskflow_nightly

Moves one business day of TaskFlow (the task tracker) into the warehouse's task-events star
schema: the product database's users, projects and tasks, and the JSON Lines event logs in
object storage (`ETL_TASKFLOW_EVENTS_URL`: `file:///...` or `s3://<conn_id>@bucket/prefix`).

| stage | what happens |
|---|---|
| `bootstrap` | applies the warehouse DDL (idempotent) and opens the run's row in `audit.etl_run_log` |
| `extract` | per table, after a freshness check (newest change more than 72 h before the interval end fails the run), rows with `updated_at` in `[W - lookback, interval_end)` from `taskflow_source` into `staging.taskflow_*` (COPY); `extract_events` reads every file of the partitions `dt` = D - `lookback_days` .. the UTC date of the interval end (all partitions on the first run) that `audit.file_manifest` does not hold (after the same freshness check on the newest partition), parses it with pyarrow and checks every line |
| `validate` | pandera rules per table; quality gates (key completeness >= 95 %, quarantine <= 5 %) fail the run on a batch of 200 rows or more; `validate_events` gates the staged lines the same way |
| `load` | users (SCD2), projects and tasks (SCD1), one transaction each; then `load_events`: bad lines and conflicting duplicates to `audit.quarantine` (key `<path>:<line>`), identical duplicates counted, new events into `core.fact_task_events`, the files into the manifest: each file is processed exactly once (a first load builds the fact's months on two more connections and takes them whole) |
| `marts` | rebuilds `marts.agg_daily_metrics`, `project_health` and `user_productivity` for D in one transaction, checks them into `audit.data_quality_log` |
| `reconcile` | beside the mart checks: each table's source rows before the interval end against core plus open quarantine, and the manifest's lines against facts + duplicates + open quarantine; a mismatch fails the run and names the table, the counts and 10 keys (or files) |
| `finish` | marks the run `success` (or `failed`) in `audit.etl_run_log`; on success emits an Asset per mart, extra `{"as_of_date", "dag_id", "run_id"}` |

**Interval.** As `crm_nightly`: business day D is `[D 00:00, D+1 00:00)` in `ETL_BUSINESS_TZ`,
run at D+1 02:00. `airflow dags test taskflow_nightly 2026-10-06T02:00:00+00:00` processes 2026-10-05.

**Params** (manual runs): `full_refresh` (every source row before the interval end, and
agg_daily_metrics counted from every fact again), `lookback_hours` (database tables),
`lookback_days` (event partitions listed again, default 7).
"""

from __future__ import annotations

from airflow.sdk import Asset, TaskGroup, TriggerRule, chain, dag, task

from include.taskflow.contracts import MARTS, SOURCE_POOL
from include.taskflow.pipeline import PIPELINE
from include.taskflow.summary import MORNING_SUMMARY
from include.warehouse_kit.dag_defaults import nightly_arguments, nightly_schedule
from include.warehouse_kit.notify import run_success_callback
from include.warehouse_kit.pipeline import run_task
from include.warehouse_kit.run_context import airflow_params


@dag(schedule=nightly_schedule(), **nightly_arguments(doc_md=__doc__, tags=["taskflow", "warehouse", "nightly"],
                                                params=airflow_params(PIPELINE.params)))
def taskflow_nightly():
    @task
    def step(name: str, table: str | None = None, **context) -> None:
        """One step of PIPELINE (include/taskflow/pipeline.py), for one table if it is per table."""
        run_task(context, PIPELINE, name, table)

    # The morning Slack summary; the marts' Assets, emitted only once the run has succeeded (marts
    # checked and the warehouse reconciled with the source).
    @task(on_success_callback=[run_success_callback(MORNING_SUMMARY)], outlets=[Asset(n) for n in MARTS])
    def finish_success(**context) -> None:
        run_task(context, PIPELINE, "finish", status="success")

    @task(trigger_rule=TriggerRule.ONE_FAILED, retries=0)
    def finish_failed(**context) -> None:
        run_task(context, PIPELINE, "finish", status="failed")

    def per_table(name: str, table, **override):
        return step.override(task_id=f"{name}_{table.name}", **override)(name, table.name)

    def once(name: str, **override):
        return step.override(task_id=name, **override)(name)

    tables = PIPELINE.tables
    start = once("bootstrap")
    with TaskGroup("extract", tooltip="TaskFlow database -> staging (COPY); event files -> staged lines"):
        extracts = [per_table("extract", t, pool=SOURCE_POOL, priority_weight=t.extract_priority) for t in tables]
        # the longest task of a first night, and on the way to every load: it takes a slot first
        event_files = once("extract_events", priority_weight=max(t.extract_priority for t in tables) + 1)
    with TaskGroup("validate", tooltip="pandera rules and quality gates"):
        gates = [*(per_table("validate", t) for t in tables), once("validate_events")]
    with TaskGroup("load", tooltip="dimensions, then the events; one transaction each"):
        loads = {t.name: per_table("load", t) for t in tables}
        events = once("load_events")
    with TaskGroup("marts", tooltip="restate the metrics, snapshot health and productivity, check them"):
        built = once("build_marts")
        checked = once("check_marts")
    chain(start, extracts, gates[:-1])
    start >> event_files >> gates[-1]
    for t in tables:
        for before in t.load_after:
            loads[before] >> loads[t.name]
    for gate in gates:  # every gate must pass before anything loads
        gate >> [loads[t.name] for t in tables if not t.load_after]
    # The source against core and quarantine, beside the marts' checks; a mismatch fails the run.
    reconciled = once("reconcile", pool=SOURCE_POOL)
    list(loads.values()) >> events >> built >> [checked, reconciled]  # events key on the dimensions
    done, failed = finish_success(), finish_failed()
    [checked, reconciled] >> done
    # finish_failed follows every other task: any failure marks the run failed in the run log.
    everything = [t for t in done.operator.dag.tasks if t not in (done.operator, failed.operator)]
    everything >> failed.operator


taskflow_nightly()
