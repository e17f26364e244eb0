"""The z-score rule on hand-made series (include/warehouse_kit/anomaly.py)."""

from __future__ import annotations

import datetime as dt
import math

import pytest

from include.warehouse_kit.anomaly import Series, judge, training_days

DAY = dt.date(2026, 10, 26)  # a Monday


def nights(values, before=DAY):
    """values[0] is the night before `before`, values[1] the night before that, ..."""
    return {before - dt.timedelta(days=n + 1): v for n, v in enumerate(values)}


ALTERNATING = nights([10, 12] * 7)  # mean 11, sample stddev sqrt(14 / 13) = 1.0377


def test_training_is_the_previous_14_nights_without_the_night_judged():
    days = training_days(Series("s"), DAY)
    assert days[0] == DAY - dt.timedelta(days=1) and days[-1] == DAY - dt.timedelta(days=14) and len(days) == 14


def test_within_three_standard_deviations_passes_and_the_expected_range_is_given():
    verdict = judge(Series("orders"), DAY, 14, ALTERNATING | {DAY: 1000})  # the night itself is not training
    assert verdict.status == "pass" and verdict.points == 14
    assert verdict.mean == 11 and verdict.stddev == pytest.approx(math.sqrt(14 / 13))
    assert verdict.z == pytest.approx(3 / math.sqrt(14 / 13))  # 2.89
    assert (verdict.low, verdict.high) == (pytest.approx(11 - 3 * math.sqrt(14 / 13)),
                                           pytest.approx(11 + 3 * math.sqrt(14 / 13)))
    assert verdict.expected == "[7.887, 14.11] (mean 11, stddev 1.038, 14 points)"


def test_a_spike_beyond_three_standard_deviations_warns():
    verdict = judge(Series("orders"), DAY, 15, ALTERNATING)
    assert verdict.status == "warn" and verdict.z == pytest.approx(4 / math.sqrt(14 / 13))  # 3.85


def test_a_drop_warns_and_a_one_sided_series_ignores_the_other_side():
    assert judge(Series("orders"), DAY, 4.4, ALTERNATING).status == "warn"  # 60 % down
    assert judge(Series("orders", direction="spike"), DAY, 4.4, ALTERNATING).status == "pass"
    assert judge(Series("orders", direction="drop"), DAY, 15, ALTERNATING).status == "pass"
    drop = judge(Series("orders", direction="drop"), DAY, 4.4, ALTERNATING)
    assert drop.status == "warn" and drop.high is None and drop.low == pytest.approx(7.887, abs=1e-3)


def test_sensitivity_is_per_series():
    assert judge(Series("orders", sensitivity=2), DAY, 14, ALTERNATING).status == "warn"


def test_with_fewer_than_14_points_there_is_no_verdict():
    history = dict(list(ALTERNATING.items())[:13])
    verdict = judge(Series("orders"), DAY, 1_000_000, history)
    assert verdict.status == "insufficient_history" and verdict.points == 13 and verdict.z is None
    assert verdict.expected == "insufficient_history: 13 training points"
    gap = dict(ALTERNATING)
    del gap[DAY - dt.timedelta(days=5)]  # a night without a value is no point
    assert judge(Series("orders"), DAY, 11, gap).status == "insufficient_history"
    assert judge(Series("orders", training=7), DAY, 11, nights([10, 12, 11, 11, 10, 12, 11])).status == "pass"


def test_a_flat_series_passes_only_its_own_value():
    flat = nights([50] * 14)
    assert judge(Series("volume"), DAY, 50, flat).status == "pass"
    for value in (49, 51, 50.0001):
        verdict = judge(Series("volume"), DAY, value, flat)
        assert verdict.status == "warn" and (verdict.low, verdict.high) == (50, 50)
    assert judge(Series("volume", direction="spike"), DAY, 49, flat).status == "pass"
    assert judge(Series("volume", direction="drop"), DAY, 49, flat).status == "warn"


def test_zero_is_a_value_not_a_gap():
    assert judge(Series("volume"), DAY, 0, nights([0] * 14)).status == "pass"


def test_weekday_seasonality_compares_the_same_weekday_over_the_last_8_weeks():
    # Mondays carry ten times the load of the other days, for 8 weeks.
    history = {DAY - dt.timedelta(days=n): (100 + (n // 7) % 2 if (DAY - dt.timedelta(days=n)).weekday() == 0
                                             else 10 + n % 2) for n in range(1, 57)}
    assert [d.weekday() for d in training_days(Series("tasks", weekday_seasonality=True), DAY)] == [0] * 8
    assert judge(Series("tasks", weekday_seasonality=True), DAY, 100, history).status == "pass"
    # A Monday as quiet as a Tuesday: hidden among all nights (two Mondays widen the spread) ...
    assert judge(Series("tasks"), DAY, 10, history).status == "pass"
    # ... but a drop against the Mondays.
    monday = judge(Series("tasks", weekday_seasonality=True), DAY, 10, history)
    assert monday.status == "warn" and monday.points == 8 and monday.mean == 100.5


def test_a_series_refuses_a_direction_it_does_not_know_and_a_silly_sensitivity():
    with pytest.raises(ValueError, match="direction"):
        Series("s", direction="up")
    with pytest.raises(ValueError, match="sensitivity"):
        Series("s", sensitivity=0)


def test_etl_anomaly_series_overrides_a_series_by_name_and_refuses_unknown_settings(monkeypatch):
    from include.warehouse_kit.anomaly import overridden

    monkeypatch.setenv("ETL_ANOMALY_SERIES", '{"orders_per_day": {"direction": "drop", "sensitivity": 2.5, '
                                             '"training": 21, "weekday_seasonality": true}}')
    assert overridden(Series("orders_per_day")) == Series("orders_per_day", "drop", 2.5, 21, True)
    assert overridden(Series("net_revenue_per_day")) == Series("net_revenue_per_day")
    with pytest.raises(ValueError, match=r"orders_per_day has unknown settings \['threshold'\]"):
        overridden(Series("orders_per_day"), {"orders_per_day": {"threshold": 2}})
    with pytest.raises(ValueError, match="direction"):
        overridden(Series("orders_per_day"), {"orders_per_day": {"direction": "sideways"}})
