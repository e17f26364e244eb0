"""Source freshness, dbt style: how long before the interval end a source last changed.

Each source table, and each file source, declares a `Freshness` (warn_after_hours,
error_after_hours; `None` opts out). The lag is measured against the run's own interval end, so
a backfill is judged as of its night, never against now:
- a table: interval end - the newest `updated_at` below the interval end;
- a file source: interval end - the end of the newest partition (a UTC date) that holds a file,
  not later than the UTC date of the interval end.

The verdict is logged as `<source>.freshness` in audit.data_quality_log with the lag observed and
the thresholds: above warn_after a `warn` (it reaches the morning Slack quality warning), above
error_after a `fail`, and the extract raises FreshnessError before anything is staged, so
nothing loads. A source with no change at all before the interval end fails too.

ETL_FRESHNESS overrides the declarations, keyed by schema.table:
`{"shop.orders": {"warn_after_hours": 12, "error_after_hours": 48}, "shop.products": null}`
(null opts a source out; a source declared without freshness is opted in by naming it).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import logging
import os
from collections.abc import Mapping
from typing import NamedTuple

import psycopg
from psycopg import sql

from include.warehouse_kit import object_store, quality
from include.warehouse_kit.errors import FreshnessError
from include.warehouse_kit.run_context import RunContext
from include.warehouse_kit.sql_files import query
from include.warehouse_kit.tables import FileSource, Freshness, SourceTable

log = logging.getLogger(__name__)

OVERRIDES_ENV = "ETL_FRESHNESS"
_SETTINGS = {f.name for f in dataclasses.fields(Freshness)}


class Verdict(NamedTuple):
    source: str                 # schema.table
    status: str                 # pass, warn or fail
    newest: dt.datetime | None  # the newest change before the interval end
    lag_hours: float | None     # None: no change at all before the interval end
    rule: Freshness


def rule_for(source: str, declared: Freshness | None,
             overrides: Mapping[str, Mapping | None] | None = None) -> Freshness | None:
    """The source's rule: its declaration, unless ETL_FRESHNESS names the source."""
    if overrides is None:
        overrides = json.loads(os.environ.get(OVERRIDES_ENV) or "{}")
    if source not in overrides:
        return declared
    changes = overrides[source]
    if changes is None:
        return None
    unknown = set(changes) - _SETTINGS
    if unknown:
        raise ValueError(f"{OVERRIDES_ENV}: {source} has unknown settings {sorted(unknown)}")
    rule = dataclasses.replace(declared or Freshness(), **changes)
    if rule.error_after_hours < rule.warn_after_hours:
        raise ValueError(f"{OVERRIDES_ENV}: {source} errors after {rule.error_after_hours} h, "
                         f"before it warns ({rule.warn_after_hours} h)")
    return rule


def judge(source: str, newest: dt.datetime | None, interval_end: dt.datetime, rule: Freshness) -> Verdict:
    """The verdict on a lag: strictly above a threshold breaches it."""
    if newest is None:
        return Verdict(source, "fail", None, None, rule)
    lag = max((interval_end - newest).total_seconds(), 0.0) / 3600
    status = "fail" if lag > rule.error_after_hours else "warn" if lag > rule.warn_after_hours else "pass"
    return Verdict(source, status, newest, lag, rule)


def describe(v: Verdict) -> str:
    if v.lag_hours is None:
        return "no change before the interval end"
    return f"lag {v.lag_hours:.1f} h (newest {v.newest.isoformat()})"


def expectation(rule: Freshness) -> str:
    return f"warn after {rule.warn_after_hours:g} h, error after {rule.error_after_hours:g} h"


def record(wh: psycopg.Connection, ctx: RunContext, name: str, verdict: Verdict) -> None:
    """Log `<name>.freshness`; a `fail` raises FreshnessError once the verdict is committed."""
    with wh.transaction():
        quality.record(wh, ctx, [quality.Check(f"{name}.freshness", verdict.status, describe(verdict),
                                               expectation(verdict.rule))])
    if verdict.status == "warn":
        log.warning("%s is stale: %s, %s", verdict.source, describe(verdict), expectation(verdict.rule))
    if verdict.status == "fail":
        raise error(verdict, ctx.interval_end)


def error(verdict: Verdict, interval_end: dt.datetime) -> FreshnessError:
    """What a failed verdict raises: the message names the source, its lag and the thresholds;
    the failure email's subject carries the source and the lag."""
    observed = describe(verdict)
    return FreshnessError(
        f"source freshness: {verdict.source} fails, {observed} before the interval end "
        f"{interval_end.isoformat()}; {expectation(verdict.rule)} ({OVERRIDES_ENV} sets them)",
        f"{verdict.source} stale: {observed.split(' (')[0]}")


def check_table(src: psycopg.Connection, wh: psycopg.Connection, ctx: RunContext, table: SourceTable) -> Verdict | None:
    """Judge one source table on its newest updated_at before the interval end."""
    rule = rule_for(table.qualified_name, table.freshness)
    if rule is None:
        return None
    newest = src.execute(query("kit/extract/select_newest_change.sql",
                               source_table=sql.Identifier(table.schema, table.name)),
                         {"interval_end": ctx.interval_end}).fetchone()[0]
    verdict = judge(table.qualified_name, newest, ctx.interval_end, rule)
    record(wh, ctx, table.name, verdict)
    return verdict


def check_files(wh: psycopg.Connection, ctx: RunContext, source: FileSource, root_url: str) -> Verdict | None:
    """Judge a file source on its newest partition holding a file, up to the UTC date of the
    interval end; that partition's data is taken to reach the end of its day."""
    rule = rule_for(source.qualified_name, source.freshness)
    if rule is None:
        return None
    last = ctx.interval_end.astimezone(dt.UTC).date()
    value = object_store.newest_partition(root_url, key=source.partition_key, suffixes=source.suffixes,
                                          last=last.isoformat(), accept=object_store.is_iso_date)
    newest = None
    if value is not None:
        newest = min(dt.datetime.combine(dt.date.fromisoformat(value) + dt.timedelta(days=1), dt.time(),
                                         dt.UTC), ctx.interval_end)
    verdict = judge(source.qualified_name, newest, ctx.interval_end, rule)
    record(wh, ctx, source.name, verdict)
    return verdict

