"""The CRM marts: customer segments (RFM), segment summary and movement, daily sales; built for
business day D, checked, and published in one transaction."""

from __future__ import annotations

import datetime as dt
import json
import logging

import psycopg
from psycopg import sql

from include.crm.contracts import SEGMENTS, UNSCORED
from include.warehouse_kit import marts as mart_kit
from include.warehouse_kit import quality
from include.warehouse_kit.errors import CheckError
from include.warehouse_kit.run_context import RunContext
from include.warehouse_kit.sql_files import query, run_sql

log = logging.getLogger(__name__)
TREND_TOLERANCE = 0.20
# (check, SQL file of marts/) whose observed value must equal the expected one
EQUALITY_CHECKS = (("marts.customer_segments.unique_customer", "check_customer_segments_unique"),
                   ("marts.customer_segments.exclusive_exhaustive", "check_customer_segments_exhaustive"),
                   ("marts.daily_sales.net_revenue_matches_facts", "check_daily_sales_matches_facts"),
                   ("marts.daily_sales.every_day_matches_facts", "check_daily_sales_all_days"))
# the checks that compare a snapshot with the warehouse's current population
AGAINST_POPULATION = ("marts.customer_segments.exclusive_exhaustive",)


class MartCheckError(CheckError):
    """A mart failed a data-quality check after its rebuild."""


def build_marts(wh: psycopg.Connection, ctx: RunContext) -> dict:
    """Rebuild the marts for business day D, check them, and publish both in one transaction.

    Readers see the previous state until the new one commits, never a half-built mart. The
    build and its checks read one snapshot of the warehouse (REPEATABLE READ). A failed check
    rolls the build back (the previous marts stay published), is logged, and raises
    MartCheckError.
    """
    params = mart_kit.params(ctx)
    counts = mart_kit.publish(
        wh, ctx, lock="crm/marts/lock_marts.sql", unlock="crm/marts/unlock_marts.sql",
        begin="crm/marts/begin_build.sql", build=lambda: _build(wh, params),
        checks=lambda counts: mart_check_results(wh, params, snapshot_kept=counts["segments_snapshot_kept"]),
        error=MartCheckError)
    log.info("built marts for %s: %s", params["as_of_date"], counts)
    return counts


def _build(wh: psycopg.Connection, params: dict) -> dict:
    kept = wh.execute(query("crm/marts/select_snapshot_kept.sql"), params).fetchone()[0]
    segments = 0
    if not kept:
        segments = _publish_segments(wh, params)
        wh.execute(query("crm/marts/delete_segment_summary.sql"), params)
        wh.execute(query("crm/marts/build_segment_summary.sql"), params)
        for as_of, previous in wh.execute(query("crm/marts/select_movement_targets.sql"), params).fetchall():
            wh.execute(query("crm/marts/delete_segment_movement.sql"), {"as_of_date": as_of})
            if previous is not None:
                wh.execute(query("crm/marts/build_segment_movement.sql"),
                           {"as_of_date": as_of, "previous_as_of_date": previous})
                wh.execute(query("crm/marts/insert_segment_movement.sql"))
    sales, restated = _restate_daily_sales(wh, params)
    return {"customer_segments": segments, "segments_snapshot_kept": kept, "daily_sales": sales,
            "daily_sales_days_restated": restated}


def _publish_segments(wh: psycopg.Connection, params: dict) -> int:
    """Score night D into marts.customer_segments; returns its rows. A new night gets a
    partition of its own, built and indexed in bulk, then attached; a night already there (a
    rerun, or rows in the default partition) is replaced by DELETE and INSERT, so readers keep
    the old rows until commit."""
    as_of: dt.date = params["as_of_date"]
    partition = sql.Identifier("marts", f"customer_segments_{as_of:%Y%m%d}")
    there = wh.execute(query("crm/marts/select_snapshot_there.sql"),
                       {**params, "partition": partition.as_string(wh)}).fetchone()[0]
    if there:
        snapshot = sql.Identifier("pg_temp", "tmp_customer_segments")
        wh.execute(query("crm/marts/delete_customer_segments.sql"), params)
        rows = wh.execute(query("crm/marts/build_customer_segments.sql", snapshot=snapshot), params).rowcount
        run_sql(wh, "crm/marts/insert_customer_segments.sql", snapshot=snapshot)
    else:
        rows = wh.execute(query("crm/marts/build_customer_segments.sql", snapshot=partition), params).rowcount
        run_sql(wh, "crm/marts/attach_customer_segments.sql", snapshot=partition, as_of_date=sql.Literal(as_of))
    # The night's rows are in no statistics yet: without them the movement join was planned
    # for one row and ran for minutes at 2M lines. Only the partition holding them is sampled.
    holder = wh.execute(query("crm/marts/select_snapshot_partition.sql"), params).fetchone()
    if holder:
        wh.execute(query("kit/load/analyze.sql", table=sql.Identifier(*holder)))
    return rows


def _restate_daily_sales(wh: psycopg.Connection, params: dict) -> tuple[int, int | str]:
    """Sales of every date <= D, as restated from the current warehouse: only the days whose
    inputs changed since they were last built (audit.stale_sales, noted by triggers on the
    facts and customers) are computed again. Returns (rows written, days restated or "all")."""
    restate_all, days = wh.execute(query("crm/marts/select_stale_sale_days.sql"), params).fetchone()
    restate = {**params, "restate_all": restate_all, "days": days}
    wh.execute(query("crm/marts/delete_restated_sales.sql"), restate)
    rows = 0
    if restate_all or days:
        wh.execute(query("crm/marts/build_daily_sales.sql"), restate)
        rows = wh.execute(query("crm/marts/insert_daily_sales.sql")).rowcount
    wh.execute(query("crm/marts/delete_covered_stale_sales.sql"), params)
    return rows, "all" if restate_all else len(days)


def snapshot_failures(wh: psycopg.Connection, params: dict) -> dict[str, int]:
    """Failing rows per rule of night params["as_of_date"]'s customer_segments (empty when the
    snapshot is sound): checked where the rows are, in one scan of the night's partition."""
    rules = {**params, "segments": list(SEGMENTS), "unscored": list(UNSCORED)}
    return dict(wh.execute(query("crm/marts/check_customer_segments_rules.sql"), rules).fetchall())


def mart_check_results(wh: psycopg.Connection, params: dict, *, snapshot_kept: bool = False) -> list[quality.Check]:
    """The checks of the marts of params["as_of_date"] (pass, warn or fail).

    A snapshot size outside +-20 % of the trailing 7 snapshots is a warning only. A snapshot
    kept as history (a later night exists) is not held against today's population, which has
    moved on since (late customers, deletions): its exhaustiveness was checked when it was
    published, and is logged as skipped."""
    failures = snapshot_failures(wh, params)
    results = [quality.Check("marts.customer_segments.rules", "pass" if not failures else "fail",
                             json.dumps(failures) if failures else "0 failing rows", "0 failing rows")]
    for check, name in EQUALITY_CHECKS:
        if snapshot_kept and check in AGAINST_POPULATION:
            results.append(quality.Check(check, "pass", "skipped: snapshot kept as history, a later night exists",
                                         "skipped"))
            continue
        observed, expected = wh.execute(query(f"crm/marts/{name}.sql"), params).fetchone()
        results.append(quality.Check(check, "pass" if observed == expected else "fail", str(observed), str(expected)))
    observed, trailing = wh.execute(query("crm/marts/check_customer_segments_trend.sql"), params).fetchone()
    within = trailing is None or abs(observed - float(trailing)) <= TREND_TOLERANCE * float(trailing)
    results.append(quality.Check("marts.customer_segments.row_count_trend", "pass" if within else "warn",
                                 str(observed), "no history" if trailing is None else f"{float(trailing):.1f} +- 20%"))
    return results


def check_marts(wh: psycopg.Connection, ctx: RunContext) -> list[quality.Check]:
    """The checks build_marts ran on what it published, as logged for this run: a failed
    one raises MartCheckError, a warning is passed on to the morning summary."""
    rows = quality.logged(wh, ctx, "marts.")
    if not rows:
        raise MartCheckError(f"no mart checks logged for run {ctx.run_id}: build_marts did not finish")
    mart_kit.raise_failed(rows, MartCheckError)
    return rows
