"""The rules every night's customer_segments snapshot is checked against after its rebuild,
checked where the rows are: each broken rule is named with the rows that break it."""

from __future__ import annotations

import datetime as dt

import psycopg
import pytest

from include.crm import marts
from include.warehouse_kit.settings import settings

NIGHT = dt.date(2026, 10, 1)
# what breaks -> (which rows may be picked, the change to one of them, the failures it must produce)
BUYER = "frequency > 0"
CASES = {
    "an unknown segment": (BUYER, "segment = 'vip'", {"segment: isin(segments)": 1}),
    "a score above 5": (BUYER, "r_score = 6", {"r_score: in_range(1, 5)": 1}),
    "a score below 1": (BUYER, "m_score = 0", {"m_score: in_range(1, 5)": 1}),
    "a negative recency": (BUYER, "recency_days = -1", {"recency_days: greater_than_or_equal_to(0)": 1}),
    "a buyer without one of the scores": (BUYER, "f_score = NULL",
                                          {"snapshot: scored_exactly_when_frequency_positive": 1}),
    "a prospect with scores": ("segment = 'prospect'", "r_score = 2, f_score = 2, m_score = 2",
                               {"snapshot: scored_exactly_when_frequency_positive": 1}),
    "a buyer in an unscored segment": (BUYER, "segment = 'lost'",
                                       {"snapshot: lost_and_prospect_only_without_orders_in_window": 1}),
    "a prospect with a past order": ("segment = 'prospect'", "recency_days = 400",
                                     {"snapshot: prospect_exactly_when_never_ordered": 1}),
    "a negative frequency": (BUYER, "frequency = -1",  # neither a buyer nor without orders
                             {"frequency: greater_than_or_equal_to(0)": 1,
                              "snapshot: scored_exactly_when_frequency_positive": 1}),
}


@pytest.fixture(scope="module")
def night(module_worlds):
    world = module_worlds(customers=800, end_date=NIGHT)
    world.night(NIGHT)
    return world


def failures_after(world, who: str, change: str) -> dict[str, int]:
    """The night's rule failures with one row of `who` changed, rolled back afterwards."""
    with psycopg.connect(world.warehouse_uri) as conn:
        if change:
            changed = conn.execute(f"UPDATE marts.customer_segments SET {change} WHERE as_of_date = %(d)s "
                                   f"AND customer_id = (SELECT min(customer_id) FROM marts.customer_segments "
                                   f"WHERE as_of_date = %(d)s AND {who})", {"d": NIGHT}).rowcount
            assert changed == 1, f"no row where {who}"
        try:
            return marts.snapshot_failures(conn, {"as_of_date": NIGHT})
        finally:
            conn.rollback()


def test_the_built_snapshot_breaks_no_rule(night):
    assert failures_after(night, BUYER, "") == {}
    assert night.wh("SELECT d.status, d.observed FROM audit.data_quality_log d "
                    "WHERE d.\"check\" = 'marts.customer_segments.rules'") == [("pass", "0 failing rows")]


@pytest.mark.parametrize("case", CASES)
def test_a_broken_rule_is_named_with_its_failing_rows(night, case):
    who, change, expected = CASES[case]
    assert failures_after(night, who, change) == expected


def test_a_broken_rule_fails_the_rules_check_with_its_counts(night):
    with psycopg.connect(night.warehouse_uri) as conn:
        conn.execute("UPDATE marts.customer_segments SET segment = 'vip' WHERE as_of_date = %s AND frequency > 0",
                     (NIGHT,))
        try:
            checks = {c.check: c for c in marts.mart_check_results(conn, {"as_of_date": NIGHT, "business_tz": settings().business_tz.key})}
        finally:
            conn.rollback()
    rows = night.wh("SELECT count(*) FROM marts.customer_segments WHERE as_of_date = %s AND frequency > 0",
                    (NIGHT,))[0][0]
    rule = checks["marts.customer_segments.rules"]
    assert (rule.status, rule.observed) == ("fail", f'{{"segment: isin(segments)": {rows}}}')
