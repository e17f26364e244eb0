"""Source freshness on a generated CRM, with the shipped thresholds (24 h to a warning, 72 h to a
failure; products opt out): a night two days after the CRM's last change warns and loads, a
night four days after fails before anything loads, and a backfill is judged as of its own night."""

from __future__ import annotations

import datetime as dt

import pytest

from include.crm.contracts import DAG_ID
from include.crm.summary import MORNING_SUMMARY
from include.warehouse_kit import alerts
from include.warehouse_kit.errors import FreshnessError

from .test_anomalies import world_connection

END = dt.date(2026, 10, 8)  # the generated history ends here
TABLES = ("customers", "orders", "order_items")


def _freshness(world, run_id: str) -> dict[str, tuple]:
    rows = world.wh('SELECT "check", status, observed, expected FROM audit.data_quality_log '
                    "WHERE run_id = %s AND \"check\" LIKE '%%.freshness'", (run_id,))
    return {r[0]: r[1:] for r in rows}


def _newest(world, table: str, before: dt.datetime) -> dt.datetime:
    return world.src(f"SELECT max(updated_at) FROM crm.{table} WHERE updated_at < %s", (before,))[0][0]


def _interval_end(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day + dt.timedelta(days=1), dt.time(), dt.UTC)


def test_a_night_two_days_after_the_last_change_warns_and_loads(world_factory, shipped_freshness):
    world = world_factory(customers=2000, end_date=END)
    day = END + dt.timedelta(days=1)  # its interval ends 48 h after the generated history
    ctx = world.night(day)

    checks = _freshness(world, ctx.run_id)
    assert set(checks) == {f"{t}.freshness" for t in TABLES}  # products opt out
    for table in TABLES:
        newest = _newest(world, table, _interval_end(day))
        lag = (_interval_end(day) - newest).total_seconds() / 3600
        assert 24 < lag <= 72
        assert checks[f"{table}.freshness"] == (
            "warn", f"lag {lag:.1f} h (newest {newest.isoformat()})", "warn after 24 h, error after 72 h")
    assert world.wh("SELECT status FROM audit.etl_run_log WHERE run_id = %s", (ctx.run_id,)) == [("success",)]
    with world_connection(world) as wh:
        report = alerts.run_report(wh, DAG_ID, ctx.run_id, MORNING_SUMMARY)
    assert any(w.startswith("orders.freshness: observed lag ") for w in report.warnings), report.warnings

    # A backfill of the CRM's last day is judged against its own interval end: fresh.
    backfill = world.night(END - dt.timedelta(days=1))
    assert {c: s for c, (s, *_) in _freshness(world, backfill.run_id).items()} == {f"{t}.freshness": "pass" for t in TABLES}


def test_a_night_four_days_after_the_last_change_fails_before_anything_loads(world_factory, shipped_freshness):
    world = world_factory(customers=2000, end_date=END)
    day = END + dt.timedelta(days=3)
    with pytest.raises(FreshnessError) as failure:
        world.night(day)

    # The extracts run in table order: products opt out, customers is the first judged.
    assert str(failure.value).startswith("source freshness: crm.customers fails, lag ")
    assert alerts.alert_detail(failure.value).startswith("crm.customers stale: lag ")
    [(run_id, status, error)] = world.wh("SELECT run_id, status, error FROM audit.etl_run_log")
    assert status == "failed" and "crm.customers fails" in error
    status, observed, expected = _freshness(world, run_id)["customers.freshness"]
    assert status == "fail" and expected == "warn after 24 h, error after 72 h"
    assert float(observed.split()[1]) > 72
    for table in ("customer_xref", "dim_customer", "fact_orders", "fact_order_lines"):
        assert world.wh(f"SELECT count(*) FROM core.{table}") == [(0,)]
    assert world.wh("SELECT count(*) FROM staging.customers") == [(0,)]


def test_a_table_opted_out_by_configuration_is_not_judged(world_factory, monkeypatch):
    monkeypatch.setenv("ETL_FRESHNESS", '{"crm.customers": null, "crm.orders": null, "crm.order_items": null}')
    world = world_factory(customers=600, end_date=END)
    ctx = world.night(END + dt.timedelta(days=10))
    assert _freshness(world, ctx.run_id) == {}
