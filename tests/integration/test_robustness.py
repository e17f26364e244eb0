"""Schema drift and concurrent runs."""

from __future__ import annotations

import datetime as dt
import threading

import pytest

from include.crm_etl import demo_crm
from include.crm_etl.pipeline import SchemaDriftError
from tests.integration.warehouse_checks import conservation, dimension_invariants, snapshot

DAY1, DAY2 = dt.date(2026, 10, 1), dt.date(2026, 10, 2)


@pytest.fixture
def world(world_factory):
    world = world_factory(customers=500, end_date=DAY1)
    demo_crm.tick(world.source_uri, day=DAY1, seed=7)
    world.night(DAY1)
    demo_crm.tick(world.source_uri, day=DAY2, seed=7)
    return world


def test_a_new_source_column_is_ignored_with_a_warning(world):
    world.src("ALTER TABLE crm.customers ADD COLUMN loyalty_tier text DEFAULT 'gold'")
    ctx = world.night(DAY2)
    assert world.wh("SELECT status, observed FROM audit.data_quality_log WHERE run_id = %s "
                    "AND \"check\" = 'customers.source_schema'", (ctx.run_id,)) == [("warn", "new columns: loyalty_tier")]
    assert world.wh("SELECT status FROM audit.etl_run_log WHERE run_id = %s", (ctx.run_id,)) == [("success",)]


@pytest.mark.parametrize(("change", "message"), [
    ("ALTER TABLE crm.customers DROP COLUMN city", "crm.customers.city is missing"),
    ("ALTER TABLE crm.order_items ALTER COLUMN quantity TYPE text", "crm.order_items.quantity is text"),
])
def test_a_missing_or_retyped_contract_column_fails_before_writing(world, change, message):
    before = snapshot(world)
    world.src(change)
    with pytest.raises(SchemaDriftError, match=message):
        world.night(DAY2)
    assert snapshot(world) == before


def test_two_runs_of_the_same_night_at_once_equal_one_run(world, world_factory):
    errors = []

    def run():
        try:
            world.night(DAY2)
        except Exception as exc:  # surfaced below
            errors.append(exc)

    threads = [threading.Thread(target=run) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    together = snapshot(world)

    single = world_factory(customers=500, end_date=DAY1)
    demo_crm.tick(single.source_uri, day=DAY1, seed=7)
    single.night(DAY1)
    demo_crm.tick(single.source_uri, day=DAY2, seed=7)
    single.night(DAY2)
    assert _without_keys(together) == _without_keys(snapshot(single))
    conservation(world, through=dt.datetime(2026, 10, 3, tzinfo=dt.UTC))
    dimension_invariants(world)


def _without_keys(snap: dict) -> dict:
    """Row counts per table (surrogate keys may be numbered differently across databases)."""
    return {table: value.split(":")[0] for table, value in snap.items() if table != "watermarks"}
