"""TaskFlow's marts for business day D: agg_daily_metrics (every date <= D, restated),
project_health and user_productivity (a snapshot per night); built, checked and published in
one transaction. The rules are in include/sql/taskflow/marts/build_*.sql and docs/taskflow.md.

Nights: marts.taskflow_published_nights lists the nights published. A run for D restates
agg_daily_metrics only when no later night is published (a backfill of an older night leaves
it as the latest night built it, and says so in its counts), and writes only D's snapshots: a
night already published is rebuilt when it is the latest one (a rerun) and kept as history
when a later one exists (the warehouse no longer knows that night's state); a missing older
night is filled.
"""

from __future__ import annotations

import datetime as dt
import logging

import psycopg
from psycopg import sql

from include.warehouse_kit import load as kit_load
from include.warehouse_kit import marts as mart_kit
from include.warehouse_kit import quality
from include.warehouse_kit.errors import CheckError
from include.warehouse_kit.run_context import RunContext
from include.warehouse_kit.sql_files import query, run_sql

log = logging.getLogger(__name__)
SKIPPED = "skipped"


class MartCheckError(CheckError):
    """A TaskFlow mart failed a data-quality check."""


def _nights(wh: psycopg.Connection, params: dict) -> tuple[dt.date | None, bool]:
    """(the latest published night, whether night D is published)."""
    return tuple(wh.execute(query("taskflow/marts/select_nights.sql"), params).fetchone())


def build_marts(wh: psycopg.Connection, ctx: RunContext) -> dict:
    """Build the marts of business day D, check them, and publish both in one transaction.

    Readers see the previous state until the new one commits, never a half-built mart; the
    build and its checks read one snapshot of the warehouse (REPEATABLE READ). A failed check
    rolls the build back (the previous marts stay published), is logged, and raises
    MartCheckError. Returns the counts, also recorded in the run log under "marts".
    """
    params = mart_kit.params(ctx)
    counts = mart_kit.publish(
        wh, ctx, lock="taskflow/marts/lock_marts.sql", unlock="taskflow/marts/unlock_marts.sql",
        begin="taskflow/marts/begin_build.sql", build=lambda: _build(wh, params, ctx.full_refresh),
        checks=lambda counts: _build_checks(wh, params, counts), error=MartCheckError)
    log.info("built the TaskFlow marts for %s: %s", params["as_of_date"], counts)
    return counts


def _build_checks(wh: psycopg.Connection, params: dict, counts: dict) -> list[quality.Check]:
    """The checks of what `_build` wrote: a night kept as history, or agg_daily_metrics left
    as a later night built it, is not checked against the facts again."""
    later = f"a later night ({counts['latest_night']}) is published"
    return mart_check_results(
        wh, params, skip_agg=None if counts["agg_daily_metrics_restated"] else f"not restated, {later}",
        skip_snapshots=f"kept as history, {later}" if counts["snapshots_kept"] else None)


def _build(wh: psycopg.Connection, params: dict, full_refresh: bool = False) -> dict:
    as_of: dt.date = params["as_of_date"]
    latest, published = _nights(wh, params)
    restate = latest is None or as_of >= latest
    kept = published and not restate
    counts = {"agg_daily_metrics": 0, "agg_daily_metrics_restated": restate, "agg_daily_metrics_rows_removed": 0,
              "agg_daily_metrics_rows_added": 0, "latest_night": str(as_of if restate else latest),
              "project_health": 0, "user_productivity": 0, "snapshots_kept": kept}
    if restate:
        counts |= _restate_agg(wh, params, latest, full_refresh)
    if not kept:
        wh.execute(query("taskflow/marts/build_done_30d.sql"), params)
        for mart in ("project_health", "user_productivity"):
            wh.execute(query(f"taskflow/marts/build_{mart}.sql"), params)
            wh.execute(query(f"taskflow/marts/delete_{mart}.sql"), params)
            counts[mart] = wh.execute(query(f"taskflow/marts/insert_{mart}.sql")).rowcount
    wh.execute(query("taskflow/marts/record_night.sql"), params)
    return counts


def _restate_agg(wh: psycopg.Connection, params: dict, latest: dt.date | None, full_refresh: bool) -> dict:
    """agg_daily_metrics for every date <= D, from its cells (marts.agg_daily_metrics_cells, the
    exact sums behind each row). The cells count only what changed since the night they were
    counted for (build_agg_delta.sql); every fact is counted again on a first build, after a
    first load (which does not queue its events), when the business timezone changed, or on a
    full refresh. Either way the mart then gets the rows whose values moved, nothing else."""
    state = _row(wh, "select_agg_state", params)
    params = params | {"cutoff": state["cutoff"], "previous_cutoff": state["previous_cutoff"]}
    every_fact = (full_refresh or state["business_date"] is None or state["business_date"] != latest
                  or state["business_tz"] != params["business_tz"])
    count = query("taskflow/marts/agg_count.sql", rows=sql.Identifier("counted"))
    if every_fact:
        wh.execute(query("taskflow/marts/build_agg_cells.sql", count=count), params)
        changed = kit_load.count_rows(wh, "tmp_agg_cells")
        run_sql(wh, "taskflow/marts/replace_agg_cells.sql", params)
        cells, rows = sql.SQL("true"), query("taskflow/marts/agg_all_rows.sql")
    else:
        run_sql(wh, "taskflow/marts/build_agg_rescored.sql", params)
        wh.execute(query("taskflow/marts/build_agg_delta.sql", count=count), params)
        changed = kit_load.count_rows(wh, "tmp_agg_delta")
        run_sql(wh, "taskflow/marts/apply_agg_delta.sql", params)
        cells, rows = query("taskflow/marts/agg_changed_scope.sql"), query("taskflow/marts/agg_changed_rows.sql")
    wh.execute(query("taskflow/marts/build_agg_daily_metrics.sql", scope=cells), params)
    _analyze(wh, "tmp_agg_daily_metrics")
    removed = wh.execute(query("taskflow/marts/delete_agg_daily_metrics.sql", scope=rows), params).rowcount
    added = wh.execute(query("taskflow/marts/insert_agg_daily_metrics.sql")).rowcount
    wh.execute(query("taskflow/marts/record_agg_state.sql"), params)
    return {"agg_daily_metrics": wh.execute(query("taskflow/marts/count_agg_daily_metrics.sql"), params).fetchone()[0],
            "agg_daily_metrics_rows_removed": removed, "agg_daily_metrics_rows_added": added,
            "agg_daily_metrics_counted": "every fact" if every_fact else "changes",
            "agg_daily_metrics_cells_written": changed}


def _analyze(wh: psycopg.Connection, table: str) -> None:
    """A temp table has no statistics until it is analyzed; the publish joins on it."""
    wh.execute(query("kit/load/analyze.sql", table=sql.Identifier(table)))


def _equal(check: str, observed, expected) -> quality.Check:
    return quality.Check(check, "pass" if observed == expected else "fail", str(observed), str(expected))


def _skipped(check: str, why: str) -> quality.Check:
    return quality.Check(check, "pass", f"{SKIPPED}: {why}", SKIPPED)


def _row(wh: psycopg.Connection, name: str, params: dict, **identifiers: sql.Composable) -> dict:
    cur = wh.execute(query(f"taskflow/marts/{name}.sql", **identifiers), params)
    return dict(zip([c.name for c in cur.description], cur.fetchone(), strict=True))


def _rules(wh: psycopg.Connection, params: dict, mart: str) -> list[quality.Check]:
    """One check per row rule of the mart (check_<mart>_rules.sql): the rows that break it."""
    return [_equal(f"marts.{mart}.{rule}", f"{rows} rows", "0 rows")
            for rule, rows in _row(wh, f"check_{mart}_rules", params).items()]


def mart_check_results(wh: psycopg.Connection, params: dict, *, skip_agg: str | None = None,
                       skip_snapshots: str | None = None, against_core: bool = True) -> list[quality.Check]:
    """Every check of the published marts of night D (params["as_of_date"]), pass or fail.

    The checks against core count again from the facts and dimensions what the marts should
    say. Given a reason, they are logged as skipped instead: `skip_agg` for agg_daily_metrics,
    which a run for an older night leaves as it is; `skip_snapshots` for D's snapshots. Without
    `against_core`, only the marts' own rules and keys are checked (those read the marts alone).
    """
    as_of = params["as_of_date"]
    latest, published = _nights(wh, params)
    results = [quality.Check("marts.agg_daily_metrics.restated_through",
                             "pass" if published and latest >= as_of else "fail",
                             str(latest) if published else f"{latest} (night {as_of} not published)",
                             f">= {as_of}")]
    results.append(_equal("marts.agg_daily_metrics.unique_key",
                          *wh.execute(query("taskflow/marts/check_agg_daily_metrics_unique.sql"), params).fetchone()))
    if against_core:
        results += _agg_against_core(wh, params, skip_agg)
    results += _rules(wh, params, "agg_daily_metrics")
    results.append(_equal("marts.project_health.unique_key",
                          *wh.execute(query("taskflow/marts/check_project_health_unique.sql"), params).fetchone()))
    # the snapshots' checks against core share one pass over the 30 days' done events
    facts = (_row(wh, "check_snapshot_facts", params, uncounted=query("taskflow/marts/uncounted_tasks.sql"))
             if against_core and skip_snapshots is None else None)
    if against_core:
        results += _health_against_core(wh, params, facts, skip_snapshots)
    results += _rules(wh, params, "project_health")
    results.append(_equal("marts.user_productivity.unique_key",
                          *wh.execute(query("taskflow/marts/check_user_productivity_unique.sql"), params).fetchone()))
    if against_core:
        results += _productivity_against_core(facts, skip_snapshots)
    results += _rules(wh, params, "user_productivity")
    return results


def _agg_against_core(wh: psycopg.Connection, params: dict, skip: str | None) -> list[quality.Check]:
    if skip is not None:
        return [_skipped("marts.agg_daily_metrics.totals_match_facts", skip)]
    totals = _row(wh, "check_agg_daily_metrics_facts", params,
                  uncounted=query("taskflow/marts/uncounted_tasks.sql"))
    return [_equal("marts.agg_daily_metrics.totals_match_facts",
                   f"tasks_created={totals['mart_created']}, tasks_completed={totals['mart_completed']}",
                   f"tasks_created={totals['facts_created']}, tasks_completed={totals['facts_completed']}")]


def _health_against_core(wh: psycopg.Connection, params: dict, facts: dict | None,
                         skip: str | None) -> list[quality.Check]:
    if skip is not None:
        return [_skipped(f"marts.project_health.{c}", skip)
                for c in ("one_row_per_live_project", "completed_30d_matches_facts")]
    missing_or_extra, zero = wh.execute(query("taskflow/marts/check_project_health_population.sql"), params).fetchone()
    return [_equal("marts.project_health.one_row_per_live_project",
                   f"{missing_or_extra} projects missing or extra", f"{zero} projects missing or extra"),
            _equal("marts.project_health.completed_30d_matches_facts", facts["health_observed"],
                   facts["health_expected"])]


def _productivity_against_core(users: dict | None, skip: str | None) -> list[quality.Check]:
    if skip is not None:
        return [_skipped(f"marts.user_productivity.{c}", skip)
                for c in ("completed_matches_facts", "every_user_matches_facts")]
    return [_equal("marts.user_productivity.completed_matches_facts",
                   f"completed_30d={users['mart_30d']}, completed_7d={users['mart_7d']}",
                   f"completed_30d={users['facts_30d']}, completed_7d={users['facts_7d']}"),
            _equal("marts.user_productivity.every_user_matches_facts",
                   f"{users['users_differing']} users differ", "0 users differ")]


def check_marts(wh: psycopg.Connection, ctx: RunContext) -> list[quality.Check]:
    """Check the published marts of night D again: their own rules and keys, read from the marts
    as published, logged in place of the build's. The checks against core (a pass over the
    facts each) stand as build_marts logged them, in the build's snapshot: the facts they read
    have not changed since, or have moved on for a later night. A failed check, logged now or
    by the build, raises MartCheckError; returns every mart check logged for the run.
    """
    params = mart_kit.params(ctx)
    with wh.transaction():
        run_sql(wh, "taskflow/marts/begin_build.sql")
        quality.record(wh, ctx, mart_check_results(wh, params, against_core=False))
    results = quality.logged(wh, ctx, "marts.")
    mart_kit.raise_failed(results, MartCheckError)
    return results
