"""Schema drift and concurrent runs."""

from __future__ import annotations

import datetime as dt
import threading

import pytest

from devtools import demo_crm
from include.warehouse_kit.errors import SchemaDriftError
from tests.crm.integration.warehouse_checks import conservation, dimension_invariants, snapshot

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
    together = snapshot(world, surrogate_keys=False, marts=True)

    single = world_factory(customers=500, end_date=DAY1)
    demo_crm.tick(single.source_uri, day=DAY1, seed=7)
    single.night(DAY1)
    demo_crm.tick(single.source_uri, day=DAY2, seed=7)
    single.night(DAY2)
    assert together == snapshot(single, surrogate_keys=False, marts=True)
    conservation(world, through=dt.datetime(2026, 10, 3, tzinfo=dt.UTC))
    dimension_invariants(world)


def test_a_backfill_overlapping_the_nightly_run_equals_the_two_nights_in_order(world, world_factory):
    """A late backfill of DAY2 and the scheduled DAY3 at once, over the same source state:
    the core, quarantine, watermarks and the latest night's marts equal running them in order."""
    day3 = DAY2 + dt.timedelta(days=1)
    demo_crm.tick(world.source_uri, day=day3, seed=7)
    errors = []

    def run(day):
        try:
            world.night(day)
        except Exception as exc:  # surfaced below
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(day,)) for day in (DAY2, day3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []

    single = world_factory(customers=500, end_date=DAY1)
    demo_crm.tick(single.source_uri, day=DAY1, seed=7)
    single.night(DAY1)
    demo_crm.tick(single.source_uri, day=DAY2, seed=7)
    demo_crm.tick(single.source_uri, day=day3, seed=7)
    single.night(DAY2)
    single.night(day3)
    assert snapshot(world, surrogate_keys=False) == snapshot(single, surrogate_keys=False)
    latest = "SELECT md5(string_agg(to_jsonb(m)::text, '|' ORDER BY to_jsonb(m)::text)) FROM marts.{} m {}"
    for mart, where in (("customer_segments", f"WHERE as_of_date = '{day3}'"), ("daily_sales", "")):
        assert world.wh(latest.format(mart, where)) == single.wh(latest.format(mart, where)), mart
    conservation(world, through=dt.datetime.combine(day3 + dt.timedelta(days=1), dt.time(0), dt.UTC))
    dimension_invariants(world)


def test_bootstrap_applies_the_ddl_only_when_the_files_changed(world):
    from include.crm import pipeline

    world.night(dt.date(2026, 10, 4))
    assert world.wh("SELECT fingerprint FROM audit.ddl_version") == [(pipeline.ddl_fingerprint(),)]
    world.wh("DROP INDEX marts.daily_sales_filter_idx")
    world.night(dt.date(2026, 10, 5))  # same files: the DDL is skipped, the index stays gone
    assert world.wh("SELECT to_regclass('marts.daily_sales_filter_idx')") == [(None,)]
    world.wh("UPDATE audit.ddl_version SET fingerprint = 'an older release'")
    world.night(dt.date(2026, 10, 5))
    assert world.wh("SELECT to_regclass('marts.daily_sales_filter_idx')::text") == [("marts.daily_sales_filter_idx",)]
    assert world.wh("SELECT fingerprint FROM audit.ddl_version") == [(pipeline.ddl_fingerprint(),)]


def test_an_empty_night_succeeds_wipes_nothing_and_warns(world):
    world.night(DAY2)
    before = snapshot(world)
    empty = DAY2 + dt.timedelta(days=1)  # no tick: nothing changed in the CRM
    ctx = world.night(empty)
    after = snapshot(world)
    assert {k: v for k, v in after.items() if k != "watermarks"} == \
        {k: v for k, v in before.items() if k != "watermarks"}
    assert world.wh("SELECT status FROM audit.etl_run_log WHERE run_id = %s", (ctx.run_id,)) == [("success",)]
    warned = dict(world.wh("SELECT \"check\", observed FROM audit.data_quality_log WHERE run_id = %s "
                           "AND status = 'warn'", (ctx.run_id,)))
    assert warned["orders.volume"] == "0 rows" and warned["order_items.volume"] == "0 rows"
    assert world.wh("SELECT count(*) FROM marts.customer_segments WHERE as_of_date = %s", (empty,))[0][0] > 0


def test_a_night_twenty_times_the_usual_size_loads_in_bounded_memory_and_warns(world):
    import json
    import os
    import subprocess
    import sys
    from pathlib import Path

    repo = Path(__file__).resolve().parents[3]
    world.night(DAY2)
    huge = DAY2 + dt.timedelta(days=1)
    start = dt.datetime.combine(huge, dt.time(0), dt.UTC)
    for n in range(20):  # twenty days of changes ...
        demo_crm.tick(world.source_uri, day=huge + dt.timedelta(days=n), seed=7)
    for table, columns in (("customers", ("created_at", "updated_at", "deleted_at")),
                           ("products", ("created_at", "updated_at")),
                           ("orders", ("order_ts", "created_at", "updated_at")),
                           ("order_items", ("created_at", "updated_at"))):
        for column in columns:  # ... squeezed into one day, in the same order
            world.src(f"UPDATE crm.{table} SET {column} = %(d0)s + ({column} - %(d0)s) / 20 "
                      f"WHERE {column} >= %(d0)s", {"d0": start})
    spec = json.dumps({"run_id": "huge", "start": start.isoformat(), "end": (start + dt.timedelta(days=1)).isoformat()})
    peaks = {}
    for step in ("bootstrap", "extract", "validate", "load_products", "load_customers", "load_orders",
                 "load_order_items", "marts", "finish"):
        proc = subprocess.Popen([sys.executable, "-m", "bench.stage", step, world.source_uri, world.warehouse_uri, spec],
                                cwd=repo, env={**os.environ, "PYTHONPATH": str(repo)}, stdout=subprocess.DEVNULL)
        _, status, usage = os.wait4(proc.pid, 0)
        assert os.waitstatus_to_exitcode(status) == 0, step
        peaks[step] = usage.ru_maxrss / 1024
    counts = world.wh("SELECT table_counts FROM audit.etl_run_log WHERE run_id = 'huge'")[0][0]
    assert counts["order_items"]["changed"] > 10 * world.wh(
        "SELECT (table_counts -> 'order_items' ->> 'changed')::int FROM audit.etl_run_log "
        "WHERE business_date = %s", (DAY2,))[0][0]
    assert max(peaks.values()) < 1024, peaks  # MB; the full 1M-line load peaks near 480 MB (make bench)
    assert world.wh("SELECT status FROM audit.data_quality_log WHERE run_id = 'huge' AND \"check\" = "
                    "'order_items.volume'") == [("warn",)]
    conservation(world, through=start + dt.timedelta(days=1))
