"""crm_nightly's steps over several generated nights on a real PostgreSQL."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from devtools import demo_crm
from include.warehouse_kit.errors import QualityGateError
from tests.crm.integration.warehouse_checks import conservation, dimension_invariants, snapshot

FIRST_NIGHT = dt.date(2026, 10, 1)
NIGHTS = [FIRST_NIGHT + dt.timedelta(days=n) for n in range(3)]


def end_of(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day + dt.timedelta(days=1), dt.time(0), dt.UTC)


def at(day: dt.date, hour: int) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour), dt.UTC)


@pytest.fixture
def world(world_factory):
    return world_factory(customers=600, end_date=FIRST_NIGHT)


def test_every_extracted_row_is_in_core_or_quarantine_after_every_night(world):
    for day in NIGHTS:
        demo_crm.tick(world.source_uri, day=day, seed=7)
        world.night(day)
        counts = conservation(world, through=end_of(day))
        dimension_invariants(world)
        assert counts["orders"]["core"] > 0
    # the generator's dirt did reach quarantine, and some of it was fixed and released
    assert sum(c["quarantined"] for c in counts.values()) > 0
    log = world.wh("SELECT status, table_counts FROM audit.etl_run_log ORDER BY business_date")
    assert [status for status, _ in log] == ["success"] * 3
    first_counts = log[0][1]
    for table in ("customers", "products", "orders", "order_items"):
        c = first_counts[table]
        assert c["extracted"] == c["loaded"] + c["quarantined"]


def test_a_first_night_builds_the_facts_indexes_after_their_rows_and_the_next_night_merges_on_them(world):
    def indexes() -> dict[str, list[str]]:
        rows = world.wh("SELECT tablename, indexname FROM pg_indexes WHERE schemaname = 'core' "
                        "AND tablename IN ('fact_orders', 'fact_order_lines') ORDER BY 1, 2")
        return {t: [i for table, i in rows if table == t] for t, _ in rows}

    expected = {"fact_order_lines": ["fact_order_lines_order_idx", "fact_order_lines_pkey"],
                "fact_orders": ["fact_orders_customer_idx", "fact_orders_customer_key_idx", "fact_orders_pkey"]}
    for day in NIGHTS[:2]:
        demo_crm.tick(world.source_uri, day=day, seed=7)
        world.night(day)
        assert indexes() == expected
        conservation(world, through=end_of(day))
    assert world.wh("SELECT count(*) FROM core.fact_orders")[0][0] > 0


def test_a_first_night_stages_into_tables_without_their_index_and_builds_it_after(world, monkeypatch):
    from include.warehouse_kit import pg_io

    seen: dict[tuple[int, str], list[str]] = {}  # (night, staging table) -> its indexes while copying
    real = pg_io.stream_copy

    def watching(src, select, params, target, table, columns):
        seen[(len(nights_done), table)] = [i for (i,) in target.execute(
            "SELECT indexname FROM pg_indexes WHERE schemaname || '.' || tablename = %s", (table,)).fetchall()]
        return real(src, select, params, target, table, columns)

    monkeypatch.setattr(pg_io, "stream_copy", watching)
    nights_done: list[dt.date] = []
    for day in NIGHTS[:2]:
        demo_crm.tick(world.source_uri, day=day, seed=7)
        world.night(day)
        conservation(world, through=end_of(day))
        nights_done.append(day)
    tables = ("customers", "products", "orders", "order_items")
    assert {seen[(0, f"staging.{t}")] == [] for t in tables} == {True}
    # the next night stages beside the kept batch, into the index the first night built
    assert [seen[(1, f"staging.{t}")] for t in tables] == [[f"{t}_run_row_idx"] for t in tables]
    assert [world.wh("SELECT indexdef FROM pg_indexes WHERE schemaname = 'staging' AND tablename = %s", (t,))
            for t in tables] == [[(f"CREATE INDEX {t}_run_row_idx ON staging.{t} USING btree (run_id, staging_row)",)]
                                 for t in tables]


@pytest.mark.parametrize("total_every_order", [False, True])
def test_revaluing_sets_exactly_the_orders_to_revalue_to_their_lines_sums(world, total_every_order):
    from include.crm.loaders.common import create_tmp_orders, revalue_orders
    from include.warehouse_kit import pg_io

    world.night(FIRST_NIGHT)
    sums = """SELECT o.order_id, o.gross_amount, o.net_amount, o.items,
                     coalesce(sum(l.line_amount), 0), coalesce(sum(l.line_amount), 0) - o.discount_amount,
                     coalesce(sum(l.quantity), 0)
              FROM core.fact_orders o LEFT JOIN core.fact_order_lines l USING (order_id)
              WHERE o.order_id = ANY(%s) GROUP BY o.order_id ORDER BY 1"""
    with pg_io.connect(world.warehouse_uri) as wh, wh.transaction(force_rollback=True):
        wrong, kept_wrong = (r[0] for r in wh.execute(
            "SELECT order_id FROM core.fact_order_lines GROUP BY 1 ORDER BY 1 LIMIT 2").fetchall())
        wh.execute("UPDATE core.fact_orders SET gross_amount = 1, net_amount = 1, items = 99 WHERE order_id = ANY(%s)",
                   ([wrong, kept_wrong],))
        create_tmp_orders(wh)
        wh.execute("INSERT INTO tmp_orders VALUES (%s)", (wrong,))
        assert revalue_orders(wh, total_every_order=total_every_order) == 1
        fixed, untouched = wh.execute(sums, ([wrong, kept_wrong],)).fetchall()
    assert fixed[1:4] == fixed[4:] and untouched[1:4] == (Decimal(1), Decimal(1), 99)


def test_rerun_of_the_same_night_leaves_identical_tables(world):
    for day in NIGHTS[:2]:
        demo_crm.tick(world.source_uri, day=day, seed=7)
        world.night(day)
    before = snapshot(world)
    world.night(NIGHTS[1])
    assert snapshot(world) == before
    world.night(NIGHTS[1], full_refresh=True)
    assert snapshot(world) == before


def test_backfill_of_an_old_night_leaves_the_current_state_unchanged(world):
    for day in NIGHTS:
        demo_crm.tick(world.source_uri, day=day, seed=7)
        world.night(day)
    before = snapshot(world)
    versions = world.wh("SELECT count(*) FROM core.dim_customer")[0][0]
    world.night(NIGHTS[0])  # backfill of the first night, after the third
    assert snapshot(world) == before
    assert world.wh("SELECT count(*) FROM core.dim_customer")[0][0] == versions
    assert world.wh("SELECT min(watermark) FROM audit.watermarks")[0][0] == end_of(NIGHTS[-1])


def test_customer_who_moved_gets_a_second_version_and_orders_keep_their_version(world):
    day1, day2 = NIGHTS[0], NIGHTS[1]
    world.add_customer(900001, email="mover@example.com", country=" de", created=at(day1, 8))
    world.add_order(9000001, 900001, at(day1, 9))
    world.night(day1)
    world.src("UPDATE crm.customers SET country = 'France', updated_at = %s WHERE customer_id = 900001",
              (at(day2, 12),))
    world.add_order(9000002, 900001, at(day2, 15))
    world.night(day2)

    versions = world.wh("SELECT customer_key, country_code, valid_from, valid_to, is_current "
                        "FROM core.dim_customer WHERE customer_id = 900001 ORDER BY valid_from")
    assert [(v[1], v[4]) for v in versions] == [("DE", False), ("FR", True)]
    assert versions[0][3] == versions[1][2] == at(day2, 12)
    keys = dict(world.wh("SELECT order_id, customer_key FROM core.fact_orders WHERE customer_id = 900001"))
    assert keys == {9000001: versions[0][0], 9000002: versions[1][0]}
    lines = world.wh("SELECT DISTINCT customer_key FROM core.fact_order_lines WHERE order_id = 9000002")
    assert lines == [(versions[1][0],)]


def test_duplicate_customers_are_one_person_owned_by_the_smallest_live_id(world):
    day1, day2 = NIGHTS[0], NIGHTS[1]
    world.add_customer(900010, email="  Anna.Twin@Example.com ", country="DE", created=at(day1, 8))
    world.add_customer(900011, email="anna.twin@example.com", country="FR", created=at(day1, 9))
    world.add_order(9000010, 900010, at(day1, 10))
    world.add_order(9000011, 900011, at(day1, 11))
    world.night(day1)

    xref = dict(world.wh("SELECT customer_id, canonical_customer_id FROM core.customer_xref "
                         "WHERE customer_id IN (900010, 900011)"))
    assert xref == {900010: 900010, 900011: 900010}
    assert world.wh("SELECT count(*) FROM core.dim_customer WHERE customer_id = 900011")[0][0] == 0
    owners = world.wh("SELECT DISTINCT d.customer_id FROM core.fact_orders f "
                      "JOIN core.dim_customer d USING (customer_key) WHERE f.order_id IN (9000010, 9000011)")
    assert owners == [(900010,)]

    # the canonical customer is soft-deleted: the person continues as the other id
    world.src("UPDATE crm.customers SET deleted_at = %s, updated_at = %s WHERE customer_id = 900010",
              (at(day2, 7), at(day2, 7)))
    world.night(day2)
    xref = dict(world.wh("SELECT customer_id, canonical_customer_id FROM core.customer_xref "
                         "WHERE customer_id IN (900010, 900011)"))
    assert xref == {900010: 900011, 900011: 900011}
    owners = world.wh("SELECT DISTINCT d.customer_id FROM core.fact_orders f "
                      "JOIN core.dim_customer d USING (customer_key) WHERE f.order_id IN (9000010, 9000011)")
    assert owners == [(900011,)]
    current = world.wh("SELECT customer_id FROM core.dim_customer WHERE is_current "
                       "AND customer_id IN (900010, 900011)")
    assert current == [(900011,)]
    conservation(world, through=end_of(day2))


def test_order_of_a_customer_not_yet_in_the_source_loads_against_an_inferred_member(world):
    day1, day2 = NIGHTS[0], NIGHTS[1]
    world.add_order(9000020, 900020, at(day1, 10))
    world.night(day1)
    inferred = world.wh("SELECT customer_key, is_inferred, email FROM core.dim_customer WHERE customer_id = 900020")
    assert len(inferred) == 1 and inferred[0][1] is True and inferred[0][2] is None
    assert world.wh("SELECT customer_key FROM core.fact_orders WHERE order_id = 9000020") == [(inferred[0][0],)]
    assert world.wh("SELECT count(*) FROM core.customer_xref WHERE customer_id = 900020")[0][0] == 0

    world.add_customer(900020, email="late@example.com", country="Germany", created=at(day2, 9))
    world.night(day2)
    filled = world.wh("SELECT customer_key, is_inferred, email, country_code FROM core.dim_customer "
                      "WHERE customer_id = 900020")
    assert filled == [(inferred[0][0], False, "late@example.com", "DE")]
    conservation(world, through=end_of(day2))


def test_an_order_that_arrives_after_its_lines_is_valued_from_them_as_it_is_written(world):
    day1, day2 = NIGHTS[0], NIGHTS[1]
    world.add_customer(900040, email="late-order@example.com", country="NL", created=at(day1, 8))
    world.add_order(9000040, 900040, at(day1, 9), lines=((1, 2, 10.00), (2, 1, 5.50)), status="lost", discount=3)
    world.night(day1)  # the order is quarantined (unknown status), its lines load without keys
    assert world.wh("SELECT count(*) FROM core.fact_orders WHERE order_id = 9000040") == [(0,)]
    assert world.wh("SELECT count(*), count(customer_key) FROM core.fact_order_lines WHERE order_id = 9000040") == \
        [(2, 0)]

    world.src("UPDATE crm.orders SET status = 'paid', updated_at = %s WHERE order_id = 9000040", (at(day2, 10),))
    world.night(day2)
    assert world.wh("SELECT gross_amount, net_amount, items FROM core.fact_orders WHERE order_id = 9000040") == \
        [(Decimal("25.50"), Decimal("22.50"), 3)]
    assert world.wh("SELECT count(*) FROM core.fact_order_lines l JOIN core.fact_orders o USING (order_id) "
                    "WHERE l.order_id = 9000040 AND (l.customer_key, l.date_key) = (o.customer_key, o.date_key)") == [(2,)]
    conservation(world, through=end_of(day2))


def test_fixed_line_is_released_from_quarantine_and_revalues_its_order(world):
    day1, day2 = NIGHTS[0], NIGHTS[1]
    world.add_customer(900030, email="fix@example.com", country="NL", created=at(day1, 8))
    world.add_order(9000030, 900030, at(day1, 9), lines=((1, 2, 10.00), (2, 0, 5.00)), discount=3)
    world.night(day1)
    q = world.wh("SELECT reasons, released_at FROM audit.quarantine WHERE source_table = 'crm.order_items' "
                 "AND source_id = 90000301")
    assert q == [(["quantity: greater_than(0)"], None)]
    assert world.wh("SELECT gross_amount, net_amount FROM core.fact_orders WHERE order_id = 9000030") == \
        [(20, 17)]

    world.src("UPDATE crm.order_items SET quantity = 3, updated_at = %s WHERE order_item_id = 90000301",
              (at(day2, 10),))
    world.night(day2)
    q = world.wh("SELECT resolution, released_at IS NOT NULL FROM audit.quarantine "
                 "WHERE source_table = 'crm.order_items' AND source_id = 90000301")
    assert q == [("fixed", True)]
    assert world.wh("SELECT gross_amount, net_amount FROM core.fact_orders WHERE order_id = 9000030") == \
        [(35, 32)]
    conservation(world, through=end_of(day2))


def test_quality_gate_fails_the_run_and_loads_nothing(world):
    day1 = NIGHTS[0]
    world.night(day1)
    before = snapshot(world)
    day2 = NIGHTS[1]
    for n in range(250):  # 250 lines, all with quantity 0: far above 5 % of a batch past min_rows
        world.src("INSERT INTO crm.order_items VALUES (%s, 1, 1, 0, 1.00, %s, %s)",
                  (99000000 + n, at(day2, 3), at(day2, 3)))
    with pytest.raises(QualityGateError, match="order_items.*quarantine_share"):
        world.night(day2)
    assert snapshot(world) == before
    assert world.wh("SELECT status FROM audit.etl_run_log ORDER BY started_at DESC LIMIT 1") == [("failed",)]
    gate = world.wh("SELECT status FROM audit.data_quality_log WHERE \"check\" = 'order_items.quarantine_share' "
                    "ORDER BY checked_at DESC LIMIT 1")
    assert gate == [("fail",)]


def test_a_small_night_with_two_bad_rows_warns_and_loads_the_rest(world):
    """12 new customers, 2 with a mistyped email: 2 of the night's few rows is far above 5 %, but
    the batch is below the gate's min_rows (200), so the breach warns and the night goes on."""
    day1, day2 = NIGHTS[0], NIGHTS[1]
    world.night(day1)
    world.src("DELETE FROM crm.customers WHERE updated_at >= %s", (at(day2, 0),))  # a quiet CRM
    for n in range(12):
        email = f"new{n}@example" if n < 2 else f"new{n}@example.com"  # two typos: no dot in the domain
        world.add_customer(990000 + n, email=email, created=at(day2, 9))
    world.night(day2)
    run = world.wh("SELECT status, table_counts -> 'customers' ->> 'validated' FROM audit.etl_run_log "
                   "ORDER BY started_at DESC LIMIT 1")
    assert run == [("success", "12")]
    gate = world.wh("SELECT status, observed, expected FROM audit.data_quality_log "
                    "WHERE \"check\" = 'customers.quarantine_share' ORDER BY checked_at DESC LIMIT 1")
    assert gate == [("warn", f"{2 / 12:.4f} (2 of 12 rows)", "<= 0.05 (enforced from 200 rows)")]
    passed = world.wh("SELECT status, expected FROM audit.data_quality_log "
                      "WHERE \"check\" = 'customers.key_completeness' ORDER BY checked_at DESC LIMIT 1")
    assert passed == [("pass", ">= 0.95")]  # a gate that holds reads as before, whatever the batch size
    held = world.wh("SELECT source_id FROM audit.quarantine WHERE source_table = 'crm.customers' "
                    "AND released_at IS NULL AND source_id >= 990000 ORDER BY 1")
    assert held == [(990000,), (990001,)]
    loaded = world.wh("SELECT count(*) FROM core.customer_xref WHERE customer_id BETWEEN 990002 AND 990011")
    assert loaded == [(10,)]
    conservation(world, through=end_of(day2))


def test_a_batch_of_1000_rows_with_8_percent_bad_fails_its_gate(world):
    day1, day2 = NIGHTS[0], NIGHTS[1]
    world.night(day1)
    before = snapshot(world)
    world.src("DELETE FROM crm.order_items WHERE updated_at >= %s", (at(day2, 0),))
    for n in range(1000):  # 80 of 1,000 lines with quantity 0
        world.src("INSERT INTO crm.order_items VALUES (%s, 1, 1, %s, 1.00, %s, %s)",
                  (99100000 + n, 0 if n < 80 else 1, at(day2, 3), at(day2, 3)))
    with pytest.raises(QualityGateError, match=r"crm.order_items batch of 1000 rows failed quality gates: "
                                               r"order_items.quarantine_share = 8.00% \(limit 5%\)"):
        world.night(day2)
    assert snapshot(world) == before
    gate = world.wh("SELECT status, observed FROM audit.data_quality_log "
                    "WHERE \"check\" = 'order_items.quarantine_share' ORDER BY checked_at DESC LIMIT 1")
    assert gate == [("fail", "0.0800")]


def test_customer_who_hands_a_person_over_and_back_keeps_one_current_version(world):
    day1, day2, day3 = NIGHTS
    world.add_customer(900041, email="b.person@example.com", country="DE", created=at(day1, 8))
    world.add_customer(900040, email="a.person@example.com", country="FR", created=at(day1, 8))
    world.night(day1)
    world.src("UPDATE crm.customers SET email = 'b.person@example.com', updated_at = %s WHERE customer_id = 900040",
              (at(day2, 8),))
    world.night(day2)  # 900040 joins b.person and, being smaller, becomes its canonical customer
    assert world.wh("SELECT is_current FROM core.dim_customer WHERE customer_id = 900041") == [(False,)]
    world.src("UPDATE crm.customers SET email = 'a.person@example.com', updated_at = %s WHERE customer_id = 900040",
              (at(day3, 8),))
    world.add_order(9000041, 900041, at(day3, 12))
    world.night(day3)
    versions = world.wh("SELECT valid_from, valid_to, is_current FROM core.dim_customer "
                        "WHERE customer_id = 900041 ORDER BY valid_from")
    assert [v[2] for v in versions] == [False, True]
    assert versions[0][1] <= versions[1][0]
    key = world.wh("SELECT d.customer_id, d.is_current FROM core.fact_orders f JOIN core.dim_customer d "
                   "USING (customer_key) WHERE f.order_id = 9000041")
    assert key == [(900041, True)]
    dimension_invariants(world)
    conservation(world, through=end_of(day3))


def test_blank_email_is_loaded_as_missing_not_quarantined(world):
    day1 = NIGHTS[0]
    world.add_customer(900050, email="   ", country="DE", created=at(day1, 8))
    world.night(day1)
    assert world.wh("SELECT email FROM core.customer_xref WHERE customer_id = 900050") == [(None,)]
    assert world.wh("SELECT count(*) FROM audit.quarantine WHERE source_table = 'crm.customers' "
                    "AND source_id = 900050")[0][0] == 0


def test_rows_without_updated_at_are_quarantined_once_and_do_not_fail_later_nights(world):
    day1, day2 = NIGHTS[0], NIGHTS[1]
    world.night(day1)
    for n in range(3):
        world.src("INSERT INTO crm.customers VALUES (%s, NULL, 'No', 'Stamp', 'DE', NULL, false, %s, NULL, NULL)",
                  (900060 + n, at(day1, 1)))
    # Night 2 would fail its gates if only these rows changed: add ordinary changes too.
    for n in range(80):
        world.add_customer(900100 + n, email=f"c{n}@example.com", country="DE", created=at(day2, 9))
    world.night(day2)
    world.night(NIGHTS[2])  # the same 3 rows come back, with no other customer change: still fine
    open_entries = world.wh("SELECT source_id, reasons FROM audit.quarantine WHERE source_table = 'crm.customers' "
                            "AND source_id BETWEEN 900060 AND 900062 AND released_at IS NULL ORDER BY 1")
    assert [(i, r) for i, r in open_entries] == [
        (900060 + n, ["updated_at: required value is missing"]) for n in range(3)]
    assert world.wh("SELECT status FROM audit.etl_run_log ORDER BY business_date") == [("success",)] * 3


def test_batches_read_in_small_chunks_load_exactly_what_one_chunk_loads(world_factory, monkeypatch):
    """Validate and the loads read a batch in chunks of CHUNK_ROWS staged rows, and
    load_customers settles persons in parts of about CHUNK_ROWS members (memory stays flat):
    neither may change a single row, reject, gate or mart."""
    from include.warehouse_kit import extract

    worlds = [world_factory(customers=300, end_date=FIRST_NIGHT) for _ in range(2)]
    for world, chunk_rows in zip(worlds, (7, 10**9), strict=True):
        monkeypatch.setattr(extract, "CHUNK_ROWS", chunk_rows)
        for day in NIGHTS:
            demo_crm.tick(world.source_uri, day=day, seed=7)
            world.night(day)
    small, whole = worlds
    assert small.wh("SELECT count(*) FROM audit.quarantine")[0][0] > 7  # rejects span chunks
    assert snapshot(small, surrogate_keys=False, marts=True) == snapshot(whole, surrogate_keys=False, marts=True)
    gates = "SELECT \"check\", status, observed FROM audit.data_quality_log WHERE \"check\" LIKE '%%.key_%%' " \
            "OR \"check\" LIKE '%%.quarantine_share' ORDER BY 1, 3"
    assert small.wh(gates) == whole.wh(gates)
