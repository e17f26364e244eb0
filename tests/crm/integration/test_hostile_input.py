"""Hostile and odd input: each case is quarantined with a reason or stored exactly, the night
succeeds, and nothing is ever executed as SQL."""

from __future__ import annotations

import datetime as dt

import psycopg
import pytest

from tests.crm.integration.warehouse_checks import conservation

DAY = dt.date(2026, 10, 5)
T = dt.datetime(2026, 10, 5, 9, tzinfo=dt.UTC)
LONG = "Ω" + "x" * 9_998 + "Ω"  # 10,000 characters
NAMES = {
    9_100_001: (LONG, "Long"),
    9_100_002: ("😀🎉👩‍👩‍👧", "שלום עליכם"),          # emoji (with ZWJ sequences) and right-to-left
    9_100_003: ("Robert'); DROP TABLE core.dim_customer;--", "1' OR '1'='1"),
    9_100_004: ("$$; DELETE FROM audit.etl_run_log; $$", "\\x00 \\N NULL"),
}


@pytest.fixture
def world(world_factory):
    world = world_factory(customers=300, end_date=DAY)
    for customer_id, (first, last) in NAMES.items():
        world.src("INSERT INTO crm.customers VALUES (%s, %s, %s, %s, 'DE', 'Köln', true, %s, %s, NULL)",
                  (customer_id, f"h{customer_id}@example.com", first, last, T, T))
    # created far in the future: stored as is, and not a customer yet at any cutoff
    world.src("INSERT INTO crm.customers VALUES (9100005, 'future@example.com', 'Fu', 'Ture', 'DE', NULL, true, "
              "'9999-12-31 23:59:59.999999+00', %s, NULL)", (T,))
    # DST edges of Europe (UTC+1/+2) and the largest price the source type allows
    world.add_order(9_200_001, 9_100_002, dt.datetime(2026, 3, 29, 1, 0, tzinfo=dt.UTC), lines=((1, 1, 9_999_999.99),))
    world.add_order(9_200_002, 9_100_002, dt.datetime(2025, 10, 26, 0, 59, 59, 999_999, tzinfo=dt.UTC))
    world.src("UPDATE crm.orders SET updated_at = %s, created_at = %s WHERE order_id IN (9200001, 9200002)", (T, T))
    world.src("UPDATE crm.order_items SET updated_at = %s WHERE order_id IN (9200001, 9200002)", (T,))
    # an order in the year 9999, and a line whose amount would overflow numeric(14, 2)
    world.add_order(9_200_003, 9_100_003, T, lines=((1, 2, 10.00),))
    world.src("UPDATE crm.orders SET order_ts = '9999-12-31 23:59:59+00' WHERE order_id = 9200003")
    world.add_order(9_200_004, 9_100_003, T, lines=((1, 2_000_000_000, 9_999_999_999.99), (1, 1, 5.00)))
    return world


def test_odd_text_and_timestamps_are_stored_exactly(world):
    world.night(DAY)
    for customer_id, (first, last) in NAMES.items():
        stored = world.wh("SELECT first_name, last_name FROM core.dim_customer WHERE customer_id = %s AND is_current",
                          (customer_id,))
        assert stored == [(first, last)], customer_id
    assert world.wh("SELECT length(first_name) FROM core.dim_customer WHERE customer_id = 9100001") == [(10_000,)]
    assert world.wh("SELECT created_at FROM core.dim_customer WHERE customer_id = 9100005") == [
        (dt.datetime(9999, 12, 31, 23, 59, 59, 999_999, tzinfo=dt.UTC),)]
    assert world.wh("SELECT count(*) FROM marts.customer_segments WHERE customer_id = 9100005") == [(0,)]
    assert world.wh("SELECT order_ts FROM core.fact_orders WHERE order_id IN (9200001, 9200002) ORDER BY 1") == [
        (dt.datetime(2025, 10, 26, 0, 59, 59, 999_999, tzinfo=dt.UTC),), (dt.datetime(2026, 3, 29, 1, 0, tzinfo=dt.UTC),)]
    assert world.wh("SELECT unit_price::text FROM core.fact_order_lines WHERE order_id = 9200001")[0][0] == \
        "9999999.99"
    # the SQL-looking names did nothing
    assert world.wh("SELECT count(*) > 0 FROM core.dim_customer") == [(True,)]
    assert world.wh("SELECT status FROM audit.etl_run_log") == [("success",)]


def test_impossible_values_are_quarantined_with_a_reason(world):
    world.night(DAY)
    held = dict(world.wh("SELECT split_part(source_table, '.', 2) || ':' || source_id, reasons FROM audit.quarantine "
                         "WHERE released_at IS NULL AND source_id IN (9200003, 92000040)"))
    assert any("order_ts" in r for r in held["orders:9200003"])
    assert held["order_items:92000040"] == ["line_amount_at_most_1e9"]
    # the order's other line is loaded; the order's amount counts only valid lines
    assert world.wh("SELECT gross_amount FROM core.fact_orders WHERE order_id = 9200004")[0][0] == 5
    conservation(world, through=dt.datetime(2026, 10, 6, tzinfo=dt.UTC))


def test_a_nul_byte_cannot_even_reach_the_source(world):
    """PostgreSQL text cannot hold NUL: the CRM itself refuses it, so the ETL never sees one (a
    NUL from another kind of source is quarantined; tests/crm/unit/test_validation.py)."""
    with pytest.raises(psycopg.DataError):
        world.src("UPDATE crm.customers SET first_name = %s WHERE customer_id = 9100001", ("a\x00b",))
