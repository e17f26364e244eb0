"""The query-parameter parsing every page shares: what it takes, its defaults, what it refuses."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pytest

from include.warehouse_kit.page_kit import params

NIGHTS = (dt.date(2026, 3, 3), dt.date(2026, 3, 2))


@dataclass(frozen=True)
class Picked(params.DateRange):
    kinds: tuple[str, ...] | None


def test_a_date_range_binds_its_dates_and_each_picked_set_as_a_list_or_none():
    assert params.DateRange(NIGHTS[1], NIGHTS[0]).params() == {"date_from": NIGHTS[1], "date_to": NIGHTS[0]}
    assert Picked(NIGHTS[1], NIGHTS[0], ("a",)).params()["kinds"] == ["a"]
    assert Picked(NIGHTS[1], NIGHTS[0], None).params()["kinds"] is None
    assert params.DateRange(NIGHTS[1], NIGHTS[0]).label == "2026-03-02_2026-03-03"


def test_the_snapshot_is_the_latest_unless_one_that_exists_is_asked_for():
    assert params.snapshot(None, NIGHTS, "none") == NIGHTS[0]
    assert params.snapshot("2026-03-02", NIGHTS, "none") == NIGHTS[1]
    with pytest.raises(params.FilterError, match="as_of_date 2026-03-01 has no snapshot; latest is 2026-03-03"):
        params.snapshot("2026-03-01", NIGHTS, "none")
    with pytest.raises(params.FilterError, match="as_of_date must be a date as YYYY-MM-DD"):
        params.snapshot("03/02/2026", NIGHTS, "none")
    with pytest.raises(LookupError, match="nothing yet"):
        params.snapshot(None, (), "nothing yet")


def test_a_date_range_defaults_each_end_and_refuses_a_reversed_one():
    back_a_day = lambda end: end - dt.timedelta(days=1)  # noqa: E731
    assert params.date_range(None, None, NIGHTS[0], back_a_day) == (NIGHTS[1], NIGHTS[0])
    assert params.date_range("2026-03-01", "2026-03-02", NIGHTS[0], back_a_day) == (dt.date(2026, 3, 1), NIGHTS[1])
    with pytest.raises(params.FilterError, match="date_from 2026-03-03 is after date_to 2026-03-02"):
        params.date_range("2026-03-03", "2026-03-02", NIGHTS[0], back_a_day)


def test_sorting_and_paging_take_allow_listed_columns_and_bounded_whole_numbers():
    assert params.sort_order(None, None, ("a", "b"), ("b", "desc")) == ("b", "desc")
    assert params.sort_order("a", "ASC", ("a", "b"), ("b", "desc")) == ("a", "asc")
    with pytest.raises(params.FilterError, match="sort must be one of a, b; got 'c'"):
        params.sort_order("c", None, ("a", "b"), ("b", "desc"))
    with pytest.raises(params.FilterError, match="direction must be asc or desc"):
        params.sort_order("a", "up", ("a", "b"), ("b", "desc"))
    assert params.positive("page", "", 1) == 1 and params.positive("page", "3", 1) == 3
    for raw in ("0", "x", "10000001"):
        with pytest.raises(params.FilterError, match="page must be"):
            params.positive("page", raw, 1)
    with pytest.raises(params.FilterError, match="page_size must be at most 500; got 501"):
        params.page_size("501", 50, 500)
    assert params.Paging("a", "asc", 3, 20).offset == 40


def test_a_download_names_a_known_view_ending_in_csv():
    assert params.csv_view("kpis.csv", ("kpis",)) == "kpis"
    with pytest.raises(params.FilterError, match="exports end in .csv"):
        params.csv_view("kpis", ("kpis",))
    with pytest.raises(params.FilterError, match="no CSV export named 'other'; exports: kpis"):
        params.csv_view("other.csv", ("kpis",))
