"""The Task analytics page's parameter rules, on tiny inputs: which night, which windows, which
snapshots, teams and categories, which sort and page; nothing else reaches SQL."""

from __future__ import annotations

import datetime as dt

import pytest

from include.taskflow.analytics_page import filters, queries

D = dt.date(2026, 10, 5)
CHOICES = filters.Choices(as_of_dates=(D, dt.date(2026, 10, 4), dt.date(2026, 10, 1)),
                          teams=("Core, Platform", "Mobile"), categories=("Marketing", "Ops"),
                          first_metric_date=dt.date(2025, 1, 1))


def test_the_night_defaults_to_the_latest_snapshot_and_must_be_one():
    assert filters.night(None, CHOICES) == D
    assert filters.night("", CHOICES) == D
    assert filters.night("2026-10-01", CHOICES) == dt.date(2026, 10, 1)
    with pytest.raises(filters.FilterError, match="2026-10-03 has no snapshot; latest is 2026-10-05"):
        filters.night("2026-10-03", CHOICES)
    with pytest.raises(filters.FilterError, match="as_of_date must be a date as YYYY-MM-DD"):
        filters.night("2026-10-05'; DROP TABLE marts.project_health; --", CHOICES)


def test_no_snapshot_yet_says_which_dag_to_run():
    with pytest.raises(LookupError, match="run taskflow_nightly first"):
        filters.night(None, filters.Choices((), (), (), None))


def test_the_7_and_30_day_windows_end_on_the_night():
    assert filters.trailing(D, 7) == filters.Window(dt.date(2026, 9, 29), D)
    assert filters.trailing(D, 30) == filters.Window(dt.date(2026, 9, 6), D)
    assert filters.trailing(D, 30).params() == {"date_from": dt.date(2026, 9, 6), "date_to": D}
    assert filters.trailing(D, 30).label == "2026-09-06_2026-10-05"


def test_the_trend_is_the_90_days_up_to_the_night():
    assert filters.trend(D, CHOICES) == filters.Window(dt.date(2026, 7, 8), D)


def test_the_trend_starts_on_the_marts_first_day_when_the_data_is_younger():
    young = filters.Choices(CHOICES.as_of_dates, (), (), dt.date(2026, 9, 20))
    assert filters.trend(D, young) == filters.Window(dt.date(2026, 9, 20), D)
    assert filters.trend(D, filters.Choices(CHOICES.as_of_dates, (), (), None)) == filters.Window(dt.date(2026, 7, 8), D)


def test_the_health_table_defaults_to_the_nights_snapshot_of_every_project():
    f = filters.health_filter(None, None, [], [], CHOICES, D)
    assert f == filters.HealthFilter(D, D, None, None)
    assert f.params() == {"date_from": D, "date_to": D, "teams": None, "categories": None}


def test_a_health_range_without_a_start_begins_at_its_end_or_the_night():
    assert filters.health_filter(None, "2026-10-01", [], [], CHOICES, D).date_from == dt.date(2026, 10, 1)
    later = filters.health_filter(None, "2026-10-20", [], [], CHOICES, D)
    assert (later.date_from, later.date_to) == (D, dt.date(2026, 10, 20))


def test_a_health_range_spans_at_most_31_days():
    f = filters.health_filter("2026-09-05", "2026-10-05", [], [], CHOICES, D)
    assert (f.date_to - f.date_from).days + 1 == 31
    with pytest.raises(filters.FilterError, match="spans 32 days; at most 31"):
        filters.health_filter("2026-09-04", "2026-10-05", [], [], CHOICES, D)
    with pytest.raises(filters.FilterError, match="date_from 2026-10-05 is after date_to 2026-10-04"):
        filters.health_filter("2026-10-05", "2026-10-04", [], [], CHOICES, D)
    with pytest.raises(filters.FilterError, match="date_to must be a date"):
        filters.health_filter(None, "yesterday", [], [], CHOICES, D)


def test_teams_and_categories_are_taken_whole_once_each_and_must_exist():
    f = filters.health_filter(None, None, ["Core, Platform", "Mobile", "Core, Platform", ""], ["Ops"], CHOICES, D)
    assert f.teams == ("Core, Platform", "Mobile") and f.categories == ("Ops",)
    assert f.params()["teams"] == ["Core, Platform", "Mobile"]
    for teams, categories, message in ((["Core"], [], "team 'Core'"), (["mobile"], [], "team 'mobile'"),
                                       ([], ["Ops' OR '1'='1"], "category \"Ops' OR '1'='1\"")):
        with pytest.raises(filters.FilterError, match=message):
            filters.health_filter(None, None, teams, categories, CHOICES, D)


def test_the_health_table_sorts_by_listed_columns_only_worst_overdue_first_by_default():
    assert filters.health_page(None, None, None, None) == filters.HealthPage("overdue_tasks", "desc", 1, 25)
    page = filters.health_page("name", "ASC", "3", "10")
    assert (page.sort, page.direction, page.page, page.page_size, page.offset) == ("name", "asc", 3, 10, 20)
    for bad in ({"sort": "name; DROP TABLE x"}, {"sort": "email"}, {"direction": "up"}, {"page": "0"},
                {"page": "2.5"}, {"page_size": "501"}, {"page_size": "-3"}):
        args = {"sort": None, "direction": None, "page": None, "page_size": None, **bad}
        with pytest.raises(filters.FilterError, match=next(iter(bad))):
            filters.health_page(**args)


@pytest.mark.parametrize(("sort", "identifier"), [("name", '"p"."name"'), ("team", '"p"."team"'),
                                                   ("category", '"p"."category"'),
                                                   ("overdue_tasks", '"h"."overdue_tasks"'),
                                                   ("as_of_date", '"h"."as_of_date"')])
def test_a_sort_column_is_a_quoted_identifier_of_the_table_that_holds_it(sort, identifier):
    text = queries.health_statement(filters.health_page(sort, "asc", 1, 1)).as_string(None)
    assert f"ORDER BY {identifier} ASC NULLS LAST, h.as_of_date ASC, h.project_id ASC" in text


def test_only_the_five_views_export():
    assert filters.VIEWS == ("kpis", "created_vs_completed", "completion_by_project", "top_users", "project_health")
    assert filters.view("top_users") == "top_users"
    with pytest.raises(filters.FilterError, match="no CSV export named 'dim_user'"):
        filters.view("dim_user")
