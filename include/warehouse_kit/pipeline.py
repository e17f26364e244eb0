"""A pipeline, declared once by its domain: its DAG id, source tables, DDL and ordered steps.

The DAG, the in-process runner (`run_in_process`, for tests and benchmarks) and the bench all
derive from the declaration, so the order of the steps is written once:

    bootstrap -> extract (per table) -> validate (per table) -> load (per table, in table order)
    -> the domain's later steps (marts, checks) -> finish

Every step is a function `fn(wh, ctx)` or, per table, `fn(wh, ctx, table)`; a step that reads
the source also gets `src` first. `run_task` is what a DAG task calls.
"""

from __future__ import annotations

import contextlib
import logging
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from include.warehouse_kit.run_context import WATERMARK_PARAMS, ParamSpec, RunContext
from include.warehouse_kit.tables import FileSource, SourceTable

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Step:
    name: str                      # the task id (per table: "<name>_<table>")
    fn: Callable[..., object]
    per_table: bool = False
    reads_source: bool = False
    # The datasets the step reads and writes (lineage.py: "schema.table", "{source}",
    # "{staging}", "{feeds}", "{sources}", "{all_feeds}", "{files}"), for OpenLineage and docs/lineage.md.
    reads: tuple[str, ...] = ()
    writes: tuple[str, ...] = ()

    def task_id(self, table: SourceTable | None = None) -> str:
        return f"{self.name}_{table.name}" if table is not None else self.name


@dataclass(frozen=True)
class Pipeline:
    dag_id: str
    domain: str                    # names its DDL version row and its SQL folder
    source_conn_id: str
    tables: tuple[SourceTable, ...]   # in load order
    ddl_files: tuple[str, ...]     # the domain's bootstrap files, applied after the kit's
    steps: tuple[Step, ...]        # in run order, bootstrap first, finish excluded
    finish: Step
    params: tuple[ParamSpec, ...] = WATERMARK_PARAMS
    fingerprinted_files: tuple[str, ...] = ()  # other files whose change must re-apply the DDL
    # The pipeline that owned the warehouse before the audit tables were keyed per pipeline:
    # its bootstrap migrates them (include/sql/kit/bootstrap/migrate_audit_keys.sql).
    owns_unkeyed_audit: bool = False
    # How a task's RunContext is made from Airflow's context and the warehouse connection;
    # None: from the run's data interval (RunContext.from_airflow).
    run_context: Callable[[Mapping[str, Any], Any, Pipeline], RunContext] | None = None
    file_sources: tuple[FileSource, ...] = ()  # lineage's "{files}"

    def context(self, context: Mapping[str, Any], wh) -> RunContext:
        if self.run_context is None:
            return RunContext.from_airflow(context, self.params)
        return self.run_context(context, wh, self)

    def table(self, name: str) -> SourceTable:
        return next(t for t in self.tables if t.name == name)

    def step(self, name: str) -> Step:
        return next(s for s in (*self.steps, self.finish) if s.name == name)

    def task_ids(self) -> list[str]:
        """Every step's task id, in run order (the in-process runner's and the bench's)."""
        return [s.task_id(t) for s in self.steps for t in (self.tables if s.per_table else (None,))]


def _call(step: Step, wh, src, ctx: RunContext, table: SourceTable | None, **kwargs) -> None:
    args = ((src,) if step.reads_source else ()) + (wh, ctx) + ((table,) if table is not None else ())
    step.fn(*args, **kwargs)


def _record_seconds(wh, ctx: RunContext, task_id: str, started: float) -> None:
    from include.warehouse_kit import run_log

    run_log.record_task_seconds(wh, ctx, task_id, time.monotonic() - started)


def run_task(context, pipeline: Pipeline, step_name: str, table: str | None = None, **kwargs) -> None:
    """One step as one Airflow task: the run context from Airflow, connections from Airflow's
    connections, the step's time into the run log. A FinalError fails the task at once (no
    retries: the same batch would fail the same way). Nothing goes to XCom."""
    from airflow.sdk.exceptions import AirflowFailException

    from include.warehouse_kit import connections, memory
    from include.warehouse_kit.errors import FinalError
    from include.warehouse_kit.settings import WAREHOUSE_CONN_ID

    memory.arrow_from_system_allocator()
    step = pipeline.step(step_name)
    source_table = pipeline.table(table) if table is not None else None
    started = time.monotonic()
    with contextlib.ExitStack() as stack:
        wh = stack.enter_context(connections.connect(WAREHOUSE_CONN_ID))
        try:
            ctx = pipeline.context(context, wh)
        except FinalError as error:
            raise AirflowFailException(f"{type(error).__name__}: {error}") from error
        src = stack.enter_context(connections.connect(pipeline.source_conn_id)) if step.reads_source else None
        try:
            _call(step, wh, src, ctx, source_table, **kwargs)
        except FinalError as error:
            raise AirflowFailException(f"{type(error).__name__}: {error}") from error
        _record_seconds(wh, ctx, step.task_id(source_table), started)
    _describe_outlet_events(context, ctx)
    _report_lineage(pipeline, step, source_table)


def _report_lineage(pipeline: Pipeline, step: Step, table: SourceTable | None) -> None:
    """The task's datasets to the hook-lineage collector; nothing when no lineage reader (the
    OpenLineage provider, enabled) is there to read them."""
    from airflow.sdk import plugins_manager

    from include.warehouse_kit import lineage

    # Asked as get_hook_lineage_collector() asks it, without making a collector: even the no-op
    # one imports every provider's asset factories (boto3 among them), 0.17 s of every task.
    if not plugins_manager.get_hook_lineage_readers_plugins():
        return
    inputs, outputs = lineage.datasets(pipeline, step, table)
    lineage.report(step, inputs, outputs, lineage.endpoints(pipeline, (*inputs, *outputs)))


def outlet_extra(ctx: RunContext) -> dict[str, str]:
    """What every asset event a step emits carries: the run's business day and its run."""
    return {"as_of_date": str(ctx.business_date), "dag_id": ctx.dag_id, "run_id": ctx.run_id}


def _describe_outlet_events(context, ctx: RunContext) -> None:
    outlets = getattr(context.get("task"), "outlets", None) or ()
    if outlets:
        events = context["outlet_events"]
        for asset in outlets:
            events[asset].extra = outlet_extra(ctx)


def run_in_process(pipeline: Pipeline, source_uri: str, warehouse_uri: str, ctx: RunContext) -> None:
    """All steps of one night in this process, in the DAG's order (tests and benchmarks).

    The DAG runs the same functions as separate tasks; this is not a second implementation.
    Step timings land in audit.etl_run_log.task_seconds as they do from the DAG.
    """
    from include.warehouse_kit import pg_io

    with pg_io.connect(warehouse_uri) as wh, pg_io.connect(source_uri) as src:
        bootstrap, *rest = pipeline.steps
        _call(bootstrap, wh, src, ctx, None)
        try:
            for step in rest:
                for table in pipeline.tables if step.per_table else (None,):
                    started = time.monotonic()
                    _call(step, wh, src, ctx, table)
                    _record_seconds(wh, ctx, step.task_id(table), started)
        except Exception as exc:
            pipeline.finish.fn(wh, ctx, status="failed", error=str(exc)[:2000])
            raise
        pipeline.finish.fn(wh, ctx, status="success")
