"""Anomaly verdicts on a generated CRM: a day that lost 60 % of its orders is warned about in
the morning's quality warnings, and a series without 14 nights of history has no verdict."""

from __future__ import annotations

import datetime as dt

import psycopg
import psycopg.types.json

from include.crm.contracts import DAG_ID
from include.crm.summary import MORNING_SUMMARY
from include.warehouse_kit import alerts
from include.warehouse_kit.settings import settings

DAY = dt.date(2026, 10, 7)
END = DAY + dt.timedelta(days=1)  # the generated history covers DAY: an ordinary day of orders


def _checks(world, ctx) -> dict[str, tuple]:
    rows = world.wh('SELECT "check", status, observed, expected FROM audit.data_quality_log '
                    "WHERE run_id = %s AND \"check\" LIKE 'anomaly.%%'", (ctx.run_id,))
    return {r[0]: r[1:] for r in rows}


def _orders_on(world, day: dt.date) -> list[int]:
    return [r[0] for r in world.src("SELECT order_id FROM crm.orders WHERE order_ts >= %s AND order_ts < %s "
                                    "ORDER BY order_id", (day, day + dt.timedelta(days=1)))]


def test_a_day_that_lost_60_percent_of_its_orders_is_warned_about(world_factory):
    world = world_factory(customers=8000, end_date=END)
    orders = _orders_on(world, DAY)
    lost = orders[: round(len(orders) * 0.6)]
    world.src("DELETE FROM crm.order_items WHERE order_id = ANY(%s)", (lost,))
    world.src("DELETE FROM crm.orders WHERE order_id = ANY(%s)", (lost,))
    ctx = world.night(DAY)

    checks = _checks(world, ctx)
    status, observed, expected = checks["anomaly.orders_per_day"]
    assert status == "warn", (observed, expected)
    counted = world.wh("SELECT sum(orders) FROM marts.daily_sales WHERE sale_date = %s", (DAY,))[0][0]
    assert observed == f"{counted:g}" and expected.endswith("14 points)")
    # The run log has one night: every volume series waits for its 14 nights.
    assert {c: checks[c][0] for c in checks if c.endswith(".volume")} == {
        f"anomaly.{t}.volume": "insufficient_history" for t in ("products", "customers", "orders", "order_items")}
    with world_connection(world) as wh:
        report = alerts.run_report(wh, DAG_ID, ctx.run_id, MORNING_SUMMARY)
    assert any(w.startswith(f"anomaly.orders_per_day: observed {observed}, expected [") for w in report.warnings)


def test_an_ordinary_day_passes(world_factory):
    world = world_factory(customers=8000, end_date=END)
    checks = _checks(world, world.night(DAY))
    assert checks["anomaly.orders_per_day"][0] == "pass"
    assert checks["anomaly.net_revenue_per_day"][0] == "pass"
    # new customers: the current, undeleted versions whose created_at falls on DAY in the business timezone
    tz = settings().business_tz
    created = [r[0] for r in world.wh("SELECT created_at FROM core.dim_customer WHERE is_current AND NOT is_deleted")]
    on_day = sum(1 for c in created if c is not None and c.astimezone(tz).date() == DAY)
    assert on_day > 0 and checks["anomaly.new_customers_per_day"][1] == f"{on_day:g}"


def test_a_table_volume_is_judged_against_the_runs_of_the_previous_14_nights(world_factory):
    world = world_factory(customers=8000, end_date=END)
    world.night(DAY - dt.timedelta(days=15))  # the warehouse, and a run outside the training window
    # 14 earlier successful nights that each changed about 50 orders, and an older retry of one
    # night whose count must not count (the latest run of a night does).
    for n in range(1, 15):
        for attempt, changed in (("a", 5000), ("b", 50 + n % 3)):
            world.wh("INSERT INTO audit.etl_run_log (run_id, dag_id, business_date, interval_start, interval_end, "
                     "status, started_at, table_counts) VALUES (%s, %s, %s, now(), now() + interval '1 day', "
                     "'success', now() - %s * interval '1 minute', %s)",
                     (f"old__{n}{attempt}", DAG_ID, DAY - dt.timedelta(days=n), 1 if attempt == "a" else 0,
                      psycopg.types.json.Jsonb({"orders": {"extracted": 9, "changed": changed}})))
    ctx = world.night(DAY)
    status, observed, expected = _checks(world, ctx)["anomaly.orders.volume"]
    [(changed,)] = world.wh("SELECT (table_counts -> 'orders' ->> 'changed')::int FROM audit.etl_run_log "
                            "WHERE run_id = %s", (ctx.run_id,))
    assert observed == str(changed) and changed > 100  # a day of the generated CRM against quiet nights
    # 51, 52 and 50 five, five and four times: mean 715 / 14, sample stddev sqrt(8.929 / 13)
    assert status == "warn" and expected == "[48.59, 53.56] (mean 51.07, stddev 0.8287, 14 points)"


def world_connection(world):
    return psycopg.connect(world.warehouse_uri, autocommit=True)
