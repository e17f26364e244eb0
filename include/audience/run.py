"""Which snapshot a handoff run hands off, and the run's rows in the audit tables.

An asset-triggered run has no logical date: it takes `as_of_date` from the triggering event's
extra (the newest, if the scheduler handed it several). A manual run takes the Param
`as_of_date`, or else the latest snapshot. The first task pins the choice in
audit.handoff_runs; every later task, and every retry, reads it from there.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from typing import Any

import psycopg

from include.audience.contracts import SEGMENTS_ASSET, SOURCE_DAG_ID
from include.warehouse_kit.errors import FinalError
from include.warehouse_kit.run_context import ParamSpec, RunContext, check_params
from include.warehouse_kit.sql_files import query

PARAMS = (
    ParamSpec("as_of_date", None, "The snapshot to hand off (YYYY-MM-DD); empty: the latest snapshot. "
                                  "An asset-triggered run takes it from the event.", is_date=True),
    ParamSpec("full_resync", False, "Read the platform's members first and diff against them, not the local state."),
)


class SnapshotError(FinalError):
    """There is no snapshot to hand off, or it is not fit to be sent: nothing is sent."""


@dataclass(frozen=True)
class Choice:
    as_of_date: dt.date
    chosen_by: str                 # asset_event, param or latest
    source_dag_id: str | None = None
    source_run_id: str | None = None


@dataclass
class AudienceResult:
    """One audience of one run, as audit.handoff_log records it."""

    audience_id: str
    destination: str | None
    status: str
    upserted: int = 0
    removed: int = 0
    unchanged: int = 0
    batches: int = 0
    http_retries: int = 0
    seconds: float | None = None
    error: str | None = None
    detail: str | None = None
    package_checksum: str | None = None
    retryable: bool = False


def _event_choice(events: Any) -> Choice | None:
    found = [event for asset in (events or {}) for event in events[asset]
             if getattr(asset, "name", None) == SEGMENTS_ASSET]
    if not found:
        return None
    dated = []
    for event in found:
        raw = (event.extra or {}).get("as_of_date")
        try:
            dated.append((dt.date.fromisoformat(str(raw)), event.timestamp, event))
        except ValueError:
            continue
    if not dated:
        raise SnapshotError(f"the {SEGMENTS_ASSET} event from {found[-1].source_dag_id} run "
                            f"{found[-1].source_run_id} carries no as_of_date in its extra")
    day, _, event = max(dated, key=lambda d: (d[0], d[1]))
    return Choice(day, "asset_event", event.source_dag_id or SOURCE_DAG_ID,
                  (event.extra or {}).get("run_id") or event.source_run_id)


def choose(context: Mapping[str, Any], wh: psycopg.Connection, params: Mapping[str, Any]) -> Choice:
    """The snapshot this run is for: the triggering event's, the Param's, or the latest."""
    event = _event_choice(context.get("triggering_asset_events"))
    if event is not None:
        return event
    if params.get("as_of_date") is not None:
        return Choice(params["as_of_date"], "param", SOURCE_DAG_ID)
    latest = None
    if wh.execute(query("audience/run/select_has_snapshots.sql")).fetchone()[0]:
        latest = wh.execute(query("audience/run/select_latest_snapshot.sql")).fetchone()[0]
    if latest is None:
        raise SnapshotError("there is no snapshot in marts.customer_segments yet: run crm_nightly first")
    return Choice(latest, "latest", SOURCE_DAG_ID)


def pinned(wh: psycopg.Connection, dag_id: str, run_id: str) -> Choice | None:
    if not wh.execute(query("audience/run/select_has_runs_table.sql")).fetchone()[0]:
        return None
    row = wh.execute(query("audience/run/select_run.sql"), {"dag_id": dag_id, "run_id": run_id}).fetchone()
    return Choice(row[0], row[1], row[2], row[3]) if row else None


def run_context(context: Mapping[str, Any], wh: psycopg.Connection, pipeline) -> RunContext:
    """The task's RunContext: its day is the snapshot's as_of_date, pinned by the first task."""
    dag_id, run_id = context["dag"].dag_id, context["run_id"]
    params = check_params(context.get("params") or {}, pipeline.params, dag_id)
    choice = pinned(wh, dag_id, run_id) or choose(context, wh, params)
    return RunContext.for_business_day(dag_id=dag_id, run_id=run_id, day=choice.as_of_date,
                                       params={**params, "choice": choice})


def pin(wh: psycopg.Connection, ctx: RunContext) -> Choice:
    """Record the run's choice (a retry keeps the first), and return what is recorded."""
    choice: Choice = ctx.params["choice"]
    wh.execute(query("audience/run/insert_run.sql"),
               ctx.keys() | asdict(choice) | {"full_resync": bool(ctx.params.get("full_resync"))})
    recorded = pinned(wh, ctx.dag_id, ctx.run_id)
    if recorded.as_of_date != choice.as_of_date:
        raise SnapshotError(f"run {ctx.run_id} is pinned to {recorded.as_of_date}, not {choice.as_of_date}")
    return recorded


def campaigns(wh: psycopg.Connection, ctx: RunContext) -> list[dict]:
    """The run's campaigns that passed their schema, as validate recorded them."""
    row = wh.execute(query("audience/run/select_run.sql"), ctx.keys()).fetchone()
    return list(row[4]) if row else []


def record_campaigns(wh: psycopg.Connection, ctx: RunContext, valid: list[dict], source_run_id: str | None) -> None:
    wh.execute(query("audience/validate/update_run_campaigns.sql"),
               ctx.keys() | {"campaigns": json.dumps(valid), "source_run_id": source_run_id})


def log(wh: psycopg.Connection, ctx: RunContext, result: AudienceResult) -> None:
    """Write (or replace) the run's audit.handoff_log row for one audience."""
    row = asdict(result)
    row["seconds"] = round(row["seconds"], 2) if row["seconds"] is not None else None
    wh.execute(query("audience/run/upsert_log.sql"), ctx.keys() | {"as_of_date": ctx.business_date} | row)


def logged(wh: psycopg.Connection, ctx: RunContext) -> dict[str, AudienceResult]:
    rows = wh.execute(query("audience/run/select_log.sql"), ctx.keys()).fetchall()
    return {r[0]: AudienceResult(r[0], r[1], r[2], r[3], r[4], r[5], r[6], r[7],
                                 float(r[8]) if r[8] is not None else None, r[9], r[10], None, r[11])
            for r in rows}
