"""Run one stage of a pipeline in this process. The benchmark starts one process per stage, as
Airflow starts one per task, so that each stage's peak RSS is its own.

    python -m bench.stage STAGE SOURCE_URI WAREHOUSE_URI '{"run_id": ..., "start": ..., "end": ...}'

The spec's optional "pipeline" names the pipeline by its domain (PIPELINES: "crm", the default,
or "taskflow"); its other keys are the pipeline's Params ("full_refresh", "lookback_days", ...).
The stages derive from the pipeline's declaration (`PIPELINE` in include/<domain>/pipeline.py):
one per step in run order, then finish. A step of no table (taskflow's `extract_events`) is a
stage of its own. A per-table step runs every table in one process, except the steps in
ONE_PROCESS_PER_TABLE (the loads), which get one process per table, named by the table's task
id (`load_orders`). Any task id of the pipeline (`extract_orders`) also runs alone.
"""

from __future__ import annotations

import datetime as dt
import importlib
import json
import sys
import time
from dataclasses import dataclass

from include.crm.pipeline import PIPELINE
from include.warehouse_kit import memory, pg_io
from include.warehouse_kit.pipeline import Pipeline, Step
from include.warehouse_kit.run_context import WATERMARK_PARAMS, RunContext, check_params
from include.warehouse_kit.tables import SourceTable

# The pipelines the benchmark runs, by domain: the module that declares each one's PIPELINE.
PIPELINES = {"crm": "include.crm.pipeline", "taskflow": "include.taskflow.pipeline"}

# Per-table steps whose tables each run in a process of their own, so that each load's peak RSS
# is its own; the other per-table steps (extract, validate) cover every table in one process.
ONE_PROCESS_PER_TABLE = ("load",)
# Older names of stages, still accepted (the marts were one stage before build and check split).
ALIASES = {"marts": ("build_marts", "check_marts")}


@dataclass(frozen=True)
class Stage:
    name: str
    calls: tuple[tuple[Step, SourceTable | None], ...]  # (step, its table or None), in run order

    @property
    def reads_source(self) -> bool:
        return any(step.reads_source for step, _ in self.calls)


def _check_load_order(tables: tuple[SourceTable, ...]) -> None:
    """Tables run one after another in declaration order: each must come after its load_after."""
    seen: set[str] = set()
    for table in tables:
        if missing := [name for name in table.load_after if name not in seen]:
            raise ValueError(f"{table.name} loads after {missing}, which are declared after it")
        seen.add(table.name)


def stages(pipeline: Pipeline = PIPELINE) -> tuple[Stage, ...]:
    """The benchmark's stages, in run order (bench.run runs each in a process of its own)."""
    _check_load_order(pipeline.tables)
    out: list[Stage] = []
    for step in pipeline.steps:
        if not step.per_table:
            out.append(Stage(step.name, ((step, None),)))
        elif step.name in ONE_PROCESS_PER_TABLE:
            out += [Stage(step.task_id(table), ((step, table),)) for table in pipeline.tables]
        else:
            out.append(Stage(step.name, tuple((step, table) for table in pipeline.tables)))
    out.append(Stage(pipeline.finish.name, ((pipeline.finish, None),)))
    return tuple(out)


def lookup(name: str, pipeline: Pipeline = PIPELINE) -> Stage:
    """A stage of `stages`, a single task id of the pipeline, or an alias."""
    known = {stage.name: stage for stage in stages(pipeline)}
    for step in pipeline.steps:
        for table in pipeline.tables if step.per_table else ():
            known.setdefault(step.task_id(table), Stage(step.task_id(table), ((step, table),)))
    for alias, names in ALIASES.items():
        if all(n in known for n in names):
            known.setdefault(alias, Stage(alias, tuple(call for n in names for call in known[n].calls)))
    if name not in known:
        raise SystemExit(f"unknown stage {name!r}; stages: {', '.join(known)}")
    return known[name]


def run_stage(stage: Stage, source_uri: str, warehouse_uri: str, ctx: RunContext,
              pipeline: Pipeline = PIPELINE) -> None:
    """Each of the stage's steps, with the arguments the DAG's task would pass it."""
    with pg_io.connect(warehouse_uri) as wh:
        src = pg_io.connect(source_uri) if stage.reads_source else None
        try:
            for step, table in stage.calls:
                if step is pipeline.finish:
                    step.fn(wh, ctx, status="success")
                    continue
                args = ((src,) if step.reads_source else ()) + (wh, ctx) + ((table,) if table is not None else ())
                step.fn(*args)
        finally:
            if src is not None:
                src.close()


def pipeline_of(domain: str) -> Pipeline:
    """The PIPELINE of a domain of PIPELINES."""
    if domain not in PIPELINES:
        raise SystemExit(f"unknown pipeline {domain!r}; pipelines: {', '.join(PIPELINES)}")
    return importlib.import_module(PIPELINES[domain]).PIPELINE


def context(spec: dict, pipeline: Pipeline = PIPELINE) -> RunContext:
    """The run context of a stage's JSON spec: run_id, start, end (ISO), optional Params (checked
    against the pipeline's, as a DAG run's are; the watermark ones are fields of the context)."""
    names = {p.name for p in pipeline.params}
    params = check_params({k: v for k, v in spec.items() if k in names}, pipeline.params, pipeline.dag_id)
    own = {p.name: params.pop(p.name) for p in WATERMARK_PARAMS if p.name in params}
    return RunContext(run_id=spec["run_id"], dag_id=pipeline.dag_id,
                      interval_start=dt.datetime.fromisoformat(spec["start"]),
                      interval_end=dt.datetime.fromisoformat(spec["end"]), params=params, **own)


def main(argv: list[str]) -> int:
    name, source_uri, warehouse_uri, raw = argv[1:5]
    spec = json.loads(raw)
    pipeline = pipeline_of(spec.get("pipeline", "crm"))
    stage, ctx = lookup(name, pipeline), context(spec, pipeline)
    memory.arrow_from_system_allocator()  # as every Airflow task does (warehouse_kit.pipeline.run_task)
    started = time.perf_counter()  # the stage's own work, without interpreter start-up and imports
    run_stage(stage, source_uri, warehouse_uri, ctx, pipeline)
    print(json.dumps({"work_seconds": round(time.perf_counter() - started, 3)}), flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv))
