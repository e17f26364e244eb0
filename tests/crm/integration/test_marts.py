"""The marts (RFM segments, segment summary, daily sales) on a real PostgreSQL."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pandas as pd
import psycopg
import pytest

from devtools import demo_crm
from include.warehouse_kit.sql_files import query
from tests.crm.integration.reference_marts import (
    SEGMENT_MAP,
    expected_daily_sales,
    expected_movement,
    expected_segments,
    frame,
)

FIRST_NIGHT = dt.date(2026, 10, 1)
NIGHTS = [FIRST_NIGHT + dt.timedelta(days=n) for n in range(3)]


def at(day: dt.date, hour: int) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour), dt.UTC)


def mart_segments(world, as_of: dt.date) -> pd.DataFrame:
    got = frame(world, f"SELECT customer_id, frequency, monetary, recency_days, r_score, f_score, m_score, segment "
                       f"FROM marts.customer_segments WHERE as_of_date = '{as_of}' ORDER BY customer_id")
    return got


def assert_same(got: pd.DataFrame, want: pd.DataFrame, key: list[str]) -> None:
    got = got[want.columns].sort_values(key).reset_index(drop=True)
    want = want.sort_values(key).reset_index(drop=True)
    assert len(got) == len(want)
    for column in want.columns:
        left = [None if pd.isna(v) else v for v in got[column]]
        right = [None if pd.isna(v) else v for v in want[column]]
        mismatches = [(i, a, b) for i, (a, b) in enumerate(zip(left, right, strict=True)) if a != b]
        assert not mismatches, f"{column}: {len(mismatches)} rows differ, e.g. {mismatches[:3]}"


def assert_movement(world, day: dt.date) -> None:
    got = frame(world, "SELECT previous_as_of_date, from_segment, to_segment, customers "
                       f"FROM marts.segment_movement WHERE as_of_date = '{day}'")
    want = expected_movement(world, day)
    assert_same(got, want, ["from_segment", "to_segment"])


@pytest.fixture
def world(world_factory):
    return world_factory(customers=800, end_date=FIRST_NIGHT)


def test_marts_match_an_independent_pandas_computation_every_night(world):
    for day in NIGHTS:
        demo_crm.tick(world.source_uri, day=day, seed=7)
        world.night(day)
        want = expected_segments(world, day)
        assert_same(mart_segments(world, day), want, ["customer_id"])
        assert set(want.segment) >= {"prospect"} and len(set(want.segment)) >= 6
        got_sales = frame(world, f"SELECT * FROM marts.daily_sales WHERE sale_date <= '{day}'")
        assert_same(got_sales, expected_daily_sales(world, day), ["sale_date", "country_code", "channel"])
        assert_movement(world, day)
    summary = frame(world, f"SELECT segment, customers, revenue FROM marts.segment_summary "
                           f"WHERE as_of_date = '{NIGHTS[-1]}'")
    by_segment = want.groupby("segment").agg(customers=("customer_id", "size"), revenue=("monetary", "sum"))
    assert dict(zip(summary.segment, summary.customers, strict=True)) == by_segment["customers"].to_dict()
    assert dict(zip(summary.segment, summary.revenue, strict=True)) == by_segment["revenue"].to_dict()
    # earlier snapshots are kept
    dates = frame(world, "SELECT DISTINCT as_of_date FROM marts.customer_segments ORDER BY 1")
    assert list(dates.as_of_date) == NIGHTS
    checks = frame(world, "SELECT \"check\", status FROM audit.data_quality_log WHERE \"check\" LIKE 'marts.%'")
    assert set(checks.status) <= {"pass", "warn"} and len(checks) == 6 * len(NIGHTS)


def test_marts_follow_a_non_utc_business_timezone(world, monkeypatch):
    # Days, windows and sale dates are calendar days in the business timezone; the generator
    # writes UTC days, so New York's days straddle two ticks.
    monkeypatch.setenv("ETL_BUSINESS_TZ", "America/New_York")
    demo_crm.tick(world.source_uri, day=NIGHTS[0], seed=7)
    demo_crm.tick(world.source_uri, day=NIGHTS[1], seed=7)
    for day in NIGHTS[:2]:
        world.night(day)
        want = expected_segments(world, day, tz="America/New_York")
        assert_same(mart_segments(world, day), want, ["customer_id"])
        got_sales = frame(world, f"SELECT * FROM marts.daily_sales WHERE sale_date <= '{day}'")
        assert_same(got_sales, expected_daily_sales(world, day, tz="America/New_York"),
                    ["sale_date", "country_code", "channel"])
    # date_key of the facts is the New York date too
    wrong = world.wh("SELECT count(*) FROM core.fact_orders WHERE date_key <> "
                     "to_char(order_ts AT TIME ZONE 'America/New_York', 'YYYYMMDD')::int")
    assert wrong == [(0,)]


def test_rerun_leaves_identical_marts(world):
    for day in NIGHTS[:2]:
        demo_crm.tick(world.source_uri, day=day, seed=7)
        world.night(day)
    query = ("SELECT md5(string_agg(t, '|' ORDER BY t)) FROM (SELECT to_jsonb(s)::text t FROM marts.{} s) x")
    marts = ("customer_segments", "segment_summary", "segment_movement", "daily_sales")
    before = {m: world.wh(query.format(m))[0][0] for m in marts}
    world.night(NIGHTS[1])
    world.night(NIGHTS[0])  # a backfill of the older night, too
    after = {m: world.wh(query.format(m))[0][0] for m in marts}
    assert after == before


def test_a_backfill_keeps_its_snapshot_though_a_late_customer_joined_that_nights_population(world):
    # The customer was created on the first night but reaches the source (updated_at) on the
    # second: today's population of the first night has it, the first night's snapshot cannot.
    demo_crm.tick(world.source_uri, day=NIGHTS[0], seed=7)
    world.night(NIGHTS[0])
    demo_crm.tick(world.source_uri, day=NIGHTS[1], seed=7)
    world.add_customer(990_001, at(NIGHTS[0], 9))
    world.src("UPDATE crm.customers SET updated_at = %s WHERE customer_id = 990001", (at(NIGHTS[1], 9),))
    world.night(NIGHTS[1])
    before = world.wh("SELECT md5(string_agg(to_jsonb(s)::text, '|' ORDER BY s.customer_id)) "
                      "FROM marts.customer_segments s WHERE as_of_date = %s", (NIGHTS[0],))
    ctx = world.night(NIGHTS[0])  # the backfill passes its checks and keeps the snapshot
    assert world.wh("SELECT md5(string_agg(to_jsonb(s)::text, '|' ORDER BY s.customer_id)) "
                    "FROM marts.customer_segments s WHERE as_of_date = %s", (NIGHTS[0],)) == before
    logged = dict(world.wh("SELECT observed, status FROM audit.data_quality_log WHERE run_id = %s "
                           "AND \"check\" = 'marts.customer_segments.exclusive_exhaustive'", (ctx.run_id,)))
    assert logged == {"skipped: snapshot kept as history, a later night exists": "pass"}
    # the latest night, rebuilt, holds the late customer and is checked in full
    ctx = world.night(NIGHTS[1])
    assert world.wh("SELECT count(*) FROM marts.customer_segments WHERE as_of_date = %s AND customer_id = 990001",
                    (NIGHTS[1],)) == [(1,)]
    assert world.wh("SELECT observed, status FROM audit.data_quality_log WHERE run_id = %s "
                    "AND \"check\" = 'marts.customer_segments.exclusive_exhaustive'", (ctx.run_id,)) == [("0", "pass")]


def test_a_backfill_that_fills_a_gap_moves_the_next_snapshots_movement(world):
    for day in NIGHTS:
        demo_crm.tick(world.source_uri, day=day, seed=7)
    world.night(NIGHTS[0])
    world.night(NIGHTS[2])  # NIGHTS[1] skipped: movement into NIGHTS[2] is since NIGHTS[0]
    assert set(world.wh("SELECT previous_as_of_date FROM marts.segment_movement WHERE as_of_date = %s",
                        (NIGHTS[2],))) == {(NIGHTS[0],)}
    world.night(NIGHTS[1])  # the backfill fills the gap
    for day in NIGHTS[1:]:
        assert_movement(world, day)
    assert set(world.wh("SELECT as_of_date, previous_as_of_date FROM marts.segment_movement")) == {
        (NIGHTS[1], NIGHTS[0]), (NIGHTS[2], NIGHTS[1])}


def test_bootstrap_replaces_the_old_movement_view_with_the_filled_table(world):
    for day in NIGHTS:
        demo_crm.tick(world.source_uri, day=day, seed=7)
        world.night(day)
    assert len(expected_movement(world, NIGHTS[1])) > 0
    world.wh("DROP TABLE marts.segment_movement")
    world.wh("CREATE VIEW marts.segment_movement AS SELECT NULL::date AS as_of_date")  # the old shape
    world.wh("DELETE FROM audit.ddl_version")  # which an older release did not record
    world.night(NIGHTS[2])  # a rerun: bootstrap migrates and refills, the last snapshot is rebuilt
    kind = world.wh("SELECT relkind FROM pg_class WHERE oid = 'marts.segment_movement'::regclass")
    assert kind == [("r",)]
    for day in NIGHTS[1:]:
        assert_movement(world, day)


SEGMENT_PARTITIONS = """
    SELECT c.relname, pg_get_expr(c.relpartbound, c.oid),
           (SELECT count(*) FROM pg_inherits i JOIN pg_index x ON x.indexrelid = i.inhrelid
            WHERE x.indrelid = c.oid AND i.inhparent IN ('marts.customer_segments_pkey'::regclass,
                                                         'marts.customer_segments_segment_idx'::regclass))
    FROM pg_inherits p JOIN pg_class c ON c.oid = p.inhrelid
    WHERE p.inhparent = 'marts.customer_segments'::regclass ORDER BY 1"""
WHERE_ROWS_ARE = ("SELECT as_of_date, tableoid::regclass::text, count(*) FROM marts.customer_segments "
                  "GROUP BY 1, 2 ORDER BY 1")
SEGMENTS_DIGEST = ("SELECT as_of_date, md5(string_agg(to_jsonb(s)::text, '|' ORDER BY customer_id)) "
                   "FROM marts.customer_segments s GROUP BY 1 ORDER BY 1")


def test_each_night_is_a_partition_of_its_own_with_the_tables_keys(world):
    for day in NIGHTS[:2]:
        demo_crm.tick(world.source_uri, day=day, seed=7)
        world.night(day)
    oid = world.wh("SELECT 'marts.customer_segments_20261002'::regclass::oid")
    world.night(NIGHTS[1])  # a rerun replaces the night's rows in its partition
    assert world.wh("SELECT 'marts.customer_segments_20261002'::regclass::oid") == oid
    assert_same(mart_segments(world, NIGHTS[1]), expected_segments(world, NIGHTS[1]), ["customer_id"])
    # both unique keys and the segment index are the partitioned table's, attached
    assert world.wh(SEGMENT_PARTITIONS) == [
        ("customer_segments_20261001", "FOR VALUES IN ('2026-10-01')", 2),
        ("customer_segments_20261002", "FOR VALUES IN ('2026-10-02')", 2),
        ("customer_segments_default", "DEFAULT", 2)]
    assert [(d, t) for d, t, _ in world.wh(WHERE_ROWS_ARE)] == [
        (NIGHTS[0], "marts.customer_segments_20261001"), (NIGHTS[1], "marts.customer_segments_20261002")]


def test_a_night_whose_rows_sit_in_the_default_partition_is_rebuilt_there(world):
    demo_crm.tick(world.source_uri, day=NIGHTS[0], seed=7)
    world.night(NIGHTS[0])
    # a hand-made row of a night without a partition lands in the default partition
    world.wh("INSERT INTO marts.customer_segments VALUES (%s, -1, NULL, 0, 0, NULL, NULL, NULL, 'prospect')",
             (NIGHTS[1],))
    for day in NIGHTS[1:]:
        demo_crm.tick(world.source_uri, day=day, seed=7)
        world.night(day)
        assert_same(mart_segments(world, day), expected_segments(world, day), ["customer_id"])
    assert [(d, t) for d, t, _ in world.wh(WHERE_ROWS_ARE)] == [
        (NIGHTS[0], "marts.customer_segments_20261001"), (NIGHTS[1], "marts.customer_segments_default"),
        (NIGHTS[2], "marts.customer_segments_20261003")]


def test_bootstrap_moves_an_unpartitioned_table_into_a_partition_per_night(world):
    for day in NIGHTS[:2]:
        demo_crm.tick(world.source_uri, day=day, seed=7)
        world.night(day)
    before = world.wh(SEGMENTS_DIGEST)
    # The shape of an older release: one plain table, and the views on it.
    world.wh("CREATE TABLE marts.customer_segments_old AS SELECT * FROM marts.customer_segments")
    world.wh("DROP TABLE marts.customer_segments CASCADE")
    world.wh("DROP TABLE marts.segment_movement")
    world.wh("ALTER TABLE marts.customer_segments_old RENAME TO customer_segments")
    world.wh("ALTER TABLE marts.customer_segments ADD PRIMARY KEY (as_of_date, customer_id)")
    world.wh("CREATE INDEX customer_segments_segment_idx ON marts.customer_segments (as_of_date, segment, customer_id)")
    world.wh("CREATE VIEW marts.segment_contacts AS SELECT * FROM marts.customer_segments")
    world.wh("CREATE VIEW marts.segment_movement AS SELECT as_of_date FROM marts.customer_segments")
    world.wh("DELETE FROM audit.ddl_version")
    demo_crm.tick(world.source_uri, day=NIGHTS[2], seed=7)
    world.night(NIGHTS[2])  # bootstrap migrates, then the night gets a partition of its own
    assert world.wh("SELECT relkind FROM pg_class WHERE oid = 'marts.customer_segments'::regclass") == [("p",)]
    assert world.wh(SEGMENTS_DIGEST)[:2] == before
    assert [(name, bound) for name, bound, _ in world.wh(SEGMENT_PARTITIONS)] == [
        ("customer_segments_20261001", "FOR VALUES IN ('2026-10-01')"),
        ("customer_segments_20261002", "FOR VALUES IN ('2026-10-02')"),
        ("customer_segments_20261003", "FOR VALUES IN ('2026-10-03')"),
        ("customer_segments_default", "DEFAULT")]
    assert world.wh("SELECT to_regclass('marts.customer_segments_unpartitioned')") == [(None,)]
    assert_same(mart_segments(world, NIGHTS[2]), expected_segments(world, NIGHTS[2]), ["customer_id"])
    for day in NIGHTS[1:]:
        assert_movement(world, day)
    assert world.wh("SELECT count(*) FROM marts.segment_contacts")[0][0] > 0  # the view is back


def test_old_order_refunded_on_a_later_night_restates_sales_and_monetary(world):
    day1, day2 = NIGHTS[0], NIGHTS[1]
    world.add_customer(910001, at(day1, 6))
    world.add_order(9100011, 910001, at(day1, 9), lines=((1, 2, 50.00),))
    world.add_order(9100012, 910001, at(day1, 10), lines=((1, 2, 20.00),), discount=5)
    world.night(day1)
    seg = world.wh("SELECT frequency, monetary, recency_days FROM marts.customer_segments "
                   "WHERE as_of_date = %s AND customer_id = 910001", (day1,))
    assert seg == [(2, Decimal("135.00"), 0)]
    sales_day1 = world.wh("SELECT sum(net_revenue) FROM marts.daily_sales WHERE sale_date = %s", (day1,))[0][0]

    world.src("UPDATE crm.orders SET status = 'refunded', updated_at = %s WHERE order_id = 9100011", (at(day2, 8),))
    world.night(day2)
    assert world.wh("SELECT sum(net_revenue) FROM marts.daily_sales WHERE sale_date = %s", (day1,))[0][0] == \
        sales_day1 - Decimal("100.00")
    seg = world.wh("SELECT frequency, monetary, recency_days FROM marts.customer_segments "
                   "WHERE as_of_date = %s AND customer_id = 910001", (day2,))
    assert seg == [(1, Decimal("35.00"), 1)]
    # the earlier snapshot is history: it is not rewritten
    assert world.wh("SELECT monetary FROM marts.customer_segments WHERE as_of_date = %s AND customer_id = 910001",
                    (day1,)) == [(Decimal("135.00"),)]


def test_lost_prospect_and_soft_deleted_customers(world):
    day = NIGHTS[0]
    world.add_customer(920001, at(day - dt.timedelta(days=500), 8))
    world.add_order(9200011, 920001, at(day - dt.timedelta(days=400), 9), lines=((1, 2, 25.00),))  # before the window
    world.add_customer(920002, at(day, 8))
    world.add_order(9200021, 920002, at(day, 9), lines=((1, 2, 10.00),), status="cancelled")  # never qualifies
    world.add_customer(920003, at(day, 8))
    world.src("UPDATE crm.customers SET deleted_at = %s, updated_at = %s WHERE customer_id = 920003",
              (at(day, 9), at(day, 9)))
    world.night(day)
    rows = world.wh("SELECT customer_id, recency_days, frequency, monetary, r_score, f_score, m_score, segment "
                    "FROM marts.customer_segments WHERE as_of_date = %s AND customer_id >= 920001 ORDER BY 1", (day,))
    assert rows == [
        (920001, 400, 0, Decimal("0.00"), None, None, None, "lost"),
        (920002, None, 0, Decimal("0.00"), None, None, None, "prospect"),
    ]


@pytest.fixture
def warehouse(world):
    world.night(NIGHTS[0])  # bootstrap creates the rule functions
    return world


@pytest.mark.parametrize(("rank", "n", "expected"), [
    (1, 1, 1),                                                  # n = 1: every score is 1
    (1, 5, 1), (2, 5, 2), (3, 5, 3), (4, 5, 4), (5, 5, 5),      # 1 + floor(5(rank-1)/(n-1))
    (1, 2, 1), (2, 2, 5),
    (3, 3, 5),                                                  # ties (1, 1, 3): the third gets 5
    (1, 4, 1),                                                  # everyone equal: all rank 1
    (2, 10, 1), (3, 10, 2), (10, 10, 5), (9, 10, 5),
])
def test_score_formula(warehouse, rank, n, expected):
    assert warehouse.wh("SELECT marts.rfm_score(%s, %s)", (rank, n)) == [(expected,)]


def test_every_cell_of_the_segment_map(warehouse):
    with psycopg.connect(warehouse.warehouse_uri) as conn:
        got = {(r, f): conn.execute("SELECT marts.rfm_segment(%s::smallint, %s::smallint)", (r, f)).fetchone()[0]
               for r in range(1, 6) for f in range(1, 6)}
    assert got == SEGMENT_MAP


def test_hand_computed_scores_with_ties(world_factory):
    # The generated history is over a year before this night, so only these buyers are
    # scored: n = 3, monetary 10, 10, 30 -> ranks 1, 1, 3 -> m scores 1, 1, 5; equal
    # frequency and recency -> everyone ranks 1 there -> r = f = 1 -> hibernating.
    world = world_factory(customers=50, end_date=FIRST_NIGHT)
    day = FIRST_NIGHT + dt.timedelta(days=400)
    for n, amount in ((930001, 10.00), (930002, 10.00), (930003, 30.00)):
        world.add_customer(n, at(day, 6))
        world.add_order(n * 10, n, at(day, 9), lines=((1, 1, amount),))
    world.night(day)
    rows = world.wh("SELECT customer_id, recency_days, frequency, monetary, r_score, f_score, m_score, segment "
                    "FROM marts.customer_segments WHERE as_of_date = %s AND frequency > 0 ORDER BY 1", (day,))
    assert rows == [
        (930001, 0, 1, Decimal("10.00"), 1, 1, 1, "hibernating"),
        (930002, 0, 1, Decimal("10.00"), 1, 1, 1, "hibernating"),
        (930003, 0, 1, Decimal("30.00"), 1, 1, 5, "hibernating"),
    ]


def test_a_failed_mart_check_keeps_the_previous_marts_published(world, monkeypatch):
    from include.crm import marts as crm_marts

    for day in NIGHTS[:2]:
        demo_crm.tick(world.source_uri, day=day, seed=7)
    world.night(NIGHTS[0])
    query = "SELECT md5(string_agg(t, '|' ORDER BY t)) FROM (SELECT to_jsonb(s)::text t FROM marts.{} s) x"
    marts = ("customer_segments", "segment_summary", "segment_movement", "daily_sales")
    before = {m: world.wh(query.format(m))[0][0] for m in marts}
    real = crm_marts.mart_check_results

    def one_fails(wh, params, **kwargs):
        return [check._replace(status="fail", observed="1") if check.check.endswith("unique_customer") else check
                for check in real(wh, params, **kwargs)]

    monkeypatch.setattr(crm_marts, "mart_check_results", one_fails)
    with pytest.raises(crm_marts.MartCheckError, match="unique_customer: observed 1, expected 0"):
        world.night(NIGHTS[1])
    assert {m: world.wh(query.format(m))[0][0] for m in marts} == before
    # the night's new partition went with the rollback
    assert world.wh("SELECT to_regclass('marts.customer_segments_20261002')") == [(None,)]
    logged = world.wh("SELECT d.status FROM audit.data_quality_log d JOIN audit.etl_run_log r USING (run_id) "
                      "WHERE r.business_date = %s AND d.\"check\" = 'marts.customer_segments.unique_customer'",
                      (NIGHTS[1],))
    assert logged == [("fail",)]


def _daily_sales(world, through: dt.date, *, restated_from_scratch: bool) -> list[tuple]:
    """marts.daily_sales up to `through`, as published, or as a restatement of every day would
    make it (computed in a transaction that is rolled back)."""
    select = ("SELECT sale_date, country_code, channel, orders, items, net_revenue, customers "
              "FROM marts.daily_sales WHERE sale_date <= %s ORDER BY 1, 2, 3")
    if not restated_from_scratch:
        return world.wh(select, (through,))
    with psycopg.connect(world.warehouse_uri) as conn:
        conn.execute("DELETE FROM marts.daily_sales WHERE sale_date <= %s", (through,))
        conn.execute(query("crm/marts/build_daily_sales.sql"), {"as_of_date": through, "business_tz": "UTC",
                                                             "restate_all": True, "days": []})
        conn.execute(query("crm/marts/insert_daily_sales.sql"))
        rows = conn.execute(select, (through,)).fetchall()
        conn.rollback()
    return rows


def test_daily_sales_restates_only_the_changed_days_and_equals_restating_every_day(world):
    """Each kind of change that moves an old day's sales, each on a day of its own so that only
    its change-capture trigger can notice it: the night restates a few days, and the table
    equals a restatement of every day."""
    day1, day2, day3 = NIGHTS

    def old(days: int, hour: int = 12) -> dt.datetime:
        return at(day1 - dt.timedelta(days=days), hour)

    world.add_customer(920001, old(70), email="same.person@example.com", country="AT")
    world.add_customer(920002, old(70), email="other@example.com", country="FR")
    world.add_order(9200011, 920001, old(30), lines=((1, 2, 10.00),))   # items change
    world.add_order(9200012, 920001, old(40))                            # moves 5 days back
    world.add_order(9200013, 920001, old(50, 9))                         # two persons become one
    world.add_order(9200021, 920002, old(50, 11))
    world.add_order(9200091, 920009, old(60))                            # its customer arrives late
    world.night(day1)
    world.night(day2)
    assert _daily_sales(world, day2, restated_from_scratch=False) == \
        _daily_sales(world, day2, restated_from_scratch=True)

    def persons_on(days: int) -> int:  # AT and FR customers of that day
        return world.wh("SELECT coalesce(sum(customers), 0) FROM marts.daily_sales WHERE sale_date = %s "
                        "AND country_code IN ('AT', 'FR')", (old(days).date(),))[0][0]

    def orders_on(days: int, country: str) -> int:
        return world.wh("SELECT coalesce(sum(orders), 0) FROM marts.daily_sales WHERE sale_date = %s "
                        "AND country_code = %s", (old(days).date(), country))[0][0]

    persons_before, unknown_before, nl_before = persons_on(50), orders_on(60, "ZZ"), orders_on(60, "NL")

    changed = at(day3, 8)
    # 2 x 10.00 -> 4 x 5.00: the amount stays, only the order's items move
    world.src("UPDATE crm.order_items SET quantity = 4, unit_price = 5.00, updated_at = %s "
              "WHERE order_item_id = 92000110", (changed,))
    world.src("UPDATE crm.orders SET order_ts = order_ts - interval '5 days', updated_at = %s "
              "WHERE order_id = 9200012", (changed,))
    world.src("UPDATE crm.customers SET email = 'Same.Person@example.com ', updated_at = %s "
              "WHERE customer_id = 920002", (changed,))
    world.add_customer(920009, old(70), country="NL")  # fills in the inferred customer's version
    world.src("UPDATE crm.customers SET updated_at = %s WHERE customer_id = 920009", (changed,))
    world.night(day3)

    counts = world.wh("SELECT table_counts -> 'marts' FROM audit.etl_run_log WHERE business_date = %s", (day3,))[0][0]
    all_days = world.wh("SELECT count(DISTINCT sale_date) FROM marts.daily_sales")[0][0]
    assert 0 < counts["daily_sales_days_restated"] < all_days / 4
    assert _daily_sales(world, day3, restated_from_scratch=False) == \
        _daily_sales(world, day3, restated_from_scratch=True)
    # each change reached the mart
    assert world.wh("SELECT items FROM core.fact_orders WHERE order_id = 9200011") == [(4,)]
    assert persons_on(50) == persons_before - 1
    assert (orders_on(60, "ZZ"), orders_on(60, "NL")) == (unknown_before - 1, nl_before + 1)
    assert not world.wh("SELECT 1 FROM audit.stale_sales WHERE order_hour < %s", (at(day3, 0),))


def test_a_changed_mart_definition_restates_every_day_once(world, monkeypatch):
    world.night(NIGHTS[0])
    world.night(NIGHTS[1])
    counts = world.wh("SELECT business_date, table_counts -> 'marts' -> 'daily_sales_days_restated' "
                      "FROM audit.etl_run_log ORDER BY 1")
    assert counts[0][1] == "all" and counts[1][1] != "all"
    world.wh("UPDATE audit.ddl_version SET fingerprint = 'an older release'")
    world.night(NIGHTS[2])
    assert world.wh("SELECT table_counts -> 'marts' -> 'daily_sales_days_restated' FROM audit.etl_run_log "
                    "WHERE business_date = %s", (NIGHTS[2],)) == [("all",)]
