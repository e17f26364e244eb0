"""The nightly reconciliation on a generated CRM: every source table, as of the interval end,
against core plus open quarantine, and the order lines' amounts. It passes on ordinary nights,
reruns and backfills, and fails the run, after the marts are published, when core lost a row,
holds one the source does not, missed an update or holds another amount."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from include.crm import pipeline
from include.warehouse_kit import alerts, pg_io
from include.warehouse_kit.errors import ReconciliationError

from .warehouse_checks import conservation

DAY = dt.date(2026, 10, 6)
END = DAY + dt.timedelta(days=1)
CHECKS = ("products.reconciliation", "customers.reconciliation", "orders.reconciliation",
          "order_items.reconciliation", "order_items.amount_reconciliation")


def _checks(world, run_id: str) -> dict[str, tuple]:
    rows = world.wh('SELECT "check", status, observed, expected FROM audit.data_quality_log '
                    "WHERE run_id = %s AND \"check\" LIKE '%%reconciliation'", (run_id,))
    return {r[0]: r[1:] for r in rows}


def _reconcile(world, ctx) -> None:
    with pg_io.connect(world.warehouse_uri) as wh, pg_io.connect(world.source_uri) as src:
        pipeline.reconcile(src, wh, ctx)


def _interval_end(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day + dt.timedelta(days=1), dt.time(), dt.UTC)


@pytest.fixture
def world(world_factory):
    return world_factory(customers=1500, end_date=END)


def test_an_ordinary_night_reconciles_every_table_and_the_line_amounts(world):
    ctx = world.night(DAY)
    checks = _checks(world, ctx.run_id)
    assert set(checks) == set(CHECKS) and {s for s, *_ in checks.values()} == {"pass"}
    counts = conservation(world, _interval_end(DAY))
    for table, placed in counts.items():
        assert checks[f"{table}.reconciliation"][1:] == (f"{placed['source']:,}", f"{placed['source']:,} rows")
    # The lines' amounts: the source's quantity * unit_price, to the cent, of the lines not in quarantine.
    [(amount,)] = world.src(
        "SELECT sum(round(quantity * unit_price, 2)) FROM crm.order_items WHERE updated_at < %s "
        "AND order_item_id NOT IN (SELECT unnest(%s::bigint[]))",
        (_interval_end(DAY), [r[0] for r in world.wh(
            "SELECT source_id FROM audit.quarantine WHERE source_table = 'crm.order_items' AND released_at IS NULL")]))
    assert checks["order_items.amount_reconciliation"][0:2] == ("pass", f"{amount:,}")
    assert counts["order_items"]["quarantined"] > 0  # the generated CRM's dirty lines are in the sum's exclusions


def test_a_backfill_and_a_source_changed_after_the_interval_end_still_reconcile(world):
    world.night(DAY - dt.timedelta(days=1))
    ctx = world.night(DAY)
    # After the night, the CRM changes an order and one of its lines, and a line goes bad.
    end = _interval_end(DAY)
    order_id, line_id = world.src("SELECT order_id, min(order_item_id) FROM crm.order_items "
                                  "WHERE updated_at < %s GROUP BY 1 ORDER BY 1 LIMIT 1", (end,))[0]
    world.src("UPDATE crm.orders SET status = 'refunded', updated_at = %s WHERE order_id = %s",
              (end + dt.timedelta(hours=1), order_id))
    world.src("UPDATE crm.order_items SET unit_price = NULL, updated_at = %s WHERE order_item_id = %s",
              (end + dt.timedelta(hours=1), line_id))
    _reconcile(world, ctx)  # as of DAY's interval end, the two rows still hold their old versions
    assert {s for s, *_ in _checks(world, ctx.run_id).values()} == {"pass"}
    rerun = world.night(DAY)
    assert {s for s, *_ in _checks(world, rerun.run_id).values()} == {"pass"}

    world.night(DAY + dt.timedelta(days=1))  # core now holds the newer versions, quarantine the bad line
    backfill = world.night(DAY - dt.timedelta(days=1))
    assert {s for s, *_ in _checks(world, backfill.run_id).values()} == {"pass"}


def test_a_row_lost_from_core_fails_the_next_night_after_its_marts_naming_the_counts_and_ten_keys(world):
    world.night(DAY - dt.timedelta(days=1))
    lost = [r[0] for r in world.wh("SELECT order_item_id FROM core.fact_order_lines "
                                   "WHERE updated_at < %s ORDER BY order_item_id LIMIT 12",
                                   (_interval_end(DAY - dt.timedelta(days=2)),))]
    world.wh("DELETE FROM core.fact_order_lines WHERE order_item_id = ANY(%s)", (lost,))
    with pytest.raises(ReconciliationError) as failure:
        world.night(DAY)

    [(expected,)] = world.src("SELECT count(*) FROM crm.order_items WHERE updated_at < %s", (_interval_end(DAY),))
    message = str(failure.value)
    assert (f"crm.order_items: expected {expected:,} rows, observed {expected - 12:,}; "
            f"12 missing, e.g. {', '.join(map(str, lost[:10]))}\n") in message + "\n"
    assert "crm.order_items: expected " in message and "in amounts of rows not in quarantine" in message
    assert alerts.alert_detail(failure.value) == "crm.order_items does not reconcile"
    [(run_id, status)] = world.wh("SELECT run_id, status FROM audit.etl_run_log WHERE business_date = %s", (DAY,))
    assert status == "failed"
    assert world.wh("SELECT count(*) > 0 FROM marts.daily_sales WHERE sale_date = %s", (DAY,)) == [(True,)]
    checks = _checks(world, run_id)
    assert checks["order_items.reconciliation"][0] == "fail" and checks["orders.reconciliation"][0] == "pass"


def test_an_extra_row_a_missed_update_and_another_amount_each_fail(world):
    ctx = world.night(DAY)
    end = _interval_end(DAY)
    [(order_id, updated_at)] = world.wh("SELECT order_id, updated_at FROM core.fact_orders ORDER BY order_id LIMIT 1")
    world.wh("UPDATE core.fact_orders SET updated_at = %s WHERE order_id = %s",
             (updated_at - dt.timedelta(seconds=1), order_id))
    world.wh("INSERT INTO core.dim_product (product_id, sku, name, category, list_price, is_active, updated_at, "
             "is_inferred, run_id) VALUES (990001, 'X', 'x', 'x', 1, true, %s, false, 't')", (end - dt.timedelta(hours=1),))
    [(line_id,)] = world.wh("SELECT max(order_item_id) FROM core.fact_order_lines")
    world.wh("UPDATE core.fact_order_lines SET line_amount = line_amount + 0.01 WHERE order_item_id = %s", (line_id,))

    with pytest.raises(ReconciliationError) as failure:
        _reconcile(world, ctx)
    message = str(failure.value)
    assert "crm.orders: expected " in message and f"1 out of date, e.g. {order_id}" in message
    assert "crm.products: expected " in message and "1 extra, e.g. 990001" in message
    checks = _checks(world, ctx.run_id)
    status, observed, expected = checks["order_items.amount_reconciliation"]
    assert status == "fail" and Decimal(observed.replace(",", "")) - Decimal(expected.split()[0].replace(",", "")) \
        == Decimal("0.01")
    assert checks["order_items.reconciliation"][0] == "pass" and checks["customers.reconciliation"][0] == "pass"
    assert alerts.alert_detail(failure.value) == "crm.order_items, crm.orders, crm.products do not reconcile"
