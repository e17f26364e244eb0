"""taskflow_nightly's source freshness and reconciliation on hand-made worlds: the event logs are
as fresh as their newest partition that holds a file; the manifest's lines must equal the facts,
duplicates and open quarantine; a dimension that keeps an older version while the newer one is
quarantined still reconciles."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from include.taskflow import pipeline
from include.warehouse_kit import pg_io
from include.warehouse_kit.errors import FreshnessError, ReconciliationError
from tests.taskflow.integration.conftest import event, utc

D1 = dt.date(2026, 10, 5)
TABLES_OPTED_OUT = json.dumps({"taskflow.users": None, "taskflow.projects": None, "taskflow.tasks": None})


def _base(world) -> list[str]:
    world.add_user(1, utc(D1, 1))
    world.add_project(10, utc(D1, 1))
    world.add_task(100, 10, utc(D1, 8))
    return [event("e1", "task_created", 100, utc(D1, 8)),
            event("e2", "status_changed", 100, utc(D1, 9), from_status="todo", to_status="in_progress"),
            event("e2", "status_changed", 100, utc(D1, 9), from_status="todo", to_status="in_progress"),
            "{not json"]


def _check(world, run_id: str, check: str) -> tuple:
    return world.wh('SELECT status, observed, expected FROM audit.data_quality_log WHERE run_id = %s '
                    'AND "check" = %s', (run_id, check))[0]


def test_the_event_logs_are_as_fresh_as_their_newest_partition_holding_a_file(taskflow_world, monkeypatch):
    monkeypatch.setenv("ETL_FRESHNESS", TABLES_OPTED_OUT)  # the declared 24 h / 72 h for the logs
    w = taskflow_world
    w.write_file(D1, "a", _base(w))
    (w.events_root / f"dt={D1 + dt.timedelta(days=1)}").mkdir()  # a partition without a file
    w.write_file("not-a-date", "x", [])

    ctx = w.night(D1)  # the partition reaches the interval end
    assert _check(w, ctx.run_id, "events.freshness") == (
        "pass", "lag 0.0 h (newest 2026-10-06T00:00:00+00:00)", "warn after 24 h, error after 72 h")
    ctx = w.night(D1 + dt.timedelta(days=2))
    assert _check(w, ctx.run_id, "events.freshness")[:2] == ("warn", "lag 48.0 h (newest 2026-10-06T00:00:00+00:00)")
    with pytest.raises(FreshnessError, match=r"taskflow.events fails, lag 96.0 h \(newest 2026-10-06"):
        w.night(D1 + dt.timedelta(days=4))

    # A backfill is judged as of its own night: a later partition does not count for it.
    w.write_file(D1 + dt.timedelta(days=5), "b", [])
    w.write_file(D1 + dt.timedelta(days=6), "c", [event("e3", "assigned", 100, utc(D1 + dt.timedelta(days=6)))])
    ctx = w.night(D1 + dt.timedelta(days=6))
    assert _check(w, ctx.run_id, "events.freshness")[0] == "pass"
    ctx = w.night(D1 + dt.timedelta(days=1))
    assert _check(w, ctx.run_id, "events.freshness")[:2] == ("pass", "lag 24.0 h (newest 2026-10-06T00:00:00+00:00)")


def test_a_fact_lost_from_core_fails_the_reconciliation_naming_its_file(taskflow_world):
    w = taskflow_world
    path = w.write_file(D1, "a", _base(w))
    ctx = w.night(D1)
    assert _check(w, ctx.run_id, "events.reconciliation") == (
        "pass", "4", "4 lines (facts 2 + duplicates 1 + quarantined 1)")

    w.wh("DELETE FROM core.fact_task_events WHERE event_id = 'e2'")
    with pytest.raises(ReconciliationError) as failure:
        with pg_io.connect(w.warehouse_uri) as wh, pg_io.connect(w.source_uri) as src:
            pipeline.reconcile(src, wh, ctx)
    assert ("taskflow.events: expected 4 lines (facts 1 + duplicates 1 + quarantined 1), observed 3; "
            f"1 files that do not add up, e.g. {path} (4 lines, 3 placed)") in str(failure.value)


def test_a_user_whose_newer_version_is_quarantined_still_reconciles(taskflow_world):
    w = taskflow_world
    w.write_file(D1, "a", _base(w))
    w.night(D1)
    w.add_user(1, utc(D1 + dt.timedelta(days=1), 3), role="wizard")  # not a role: quarantined
    ctx = w.night(D1 + dt.timedelta(days=1))

    assert w.wh("SELECT role FROM core.dim_user WHERE user_id = 1") == [("member",)]
    assert w.wh("SELECT count(*) FROM audit.quarantine WHERE source_table = 'taskflow.users' "
                "AND released_at IS NULL") == [(1,)]
    assert _check(w, ctx.run_id, "users.reconciliation") == ("pass", "1", "1 rows")
    assert {r[0] for r in w.wh("SELECT status FROM audit.data_quality_log WHERE run_id = %s "
                               "AND \"check\" LIKE '%%reconciliation'", (ctx.run_id,))} == {"pass"}
