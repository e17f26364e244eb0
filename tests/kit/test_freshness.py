"""Source freshness verdicts, dbt style: strictly above warn_after warns, strictly above
error_after fails, a source with no change at all fails; ETL_FRESHNESS overrides, opts out and
opts in."""

from __future__ import annotations

import datetime as dt

import pytest

from include.warehouse_kit import alerts, freshness
from include.warehouse_kit.tables import Freshness

END = dt.datetime(2026, 10, 6, tzinfo=dt.UTC)
RULE = Freshness(warn_after_hours=24, error_after_hours=72)


def hours_before_end(hours: float) -> dt.datetime:
    return END - dt.timedelta(hours=hours)


@pytest.mark.parametrize(("lag", "status"), [
    (0, "pass"), (24, "pass"), (24.01, "warn"), (72, "warn"), (72.01, "fail"), (400, "fail")])
def test_a_lag_breaches_a_threshold_only_when_strictly_above_it(lag, status):
    verdict = freshness.judge("crm.orders", hours_before_end(lag), END, RULE)
    assert verdict.status == status
    assert verdict.lag_hours == pytest.approx(lag)


def test_a_source_without_any_change_before_the_interval_end_fails():
    verdict = freshness.judge("crm.orders", None, END, RULE)
    assert (verdict.status, verdict.lag_hours) == ("fail", None)
    assert freshness.describe(verdict) == "no change before the interval end"


def test_the_observed_text_gives_the_lag_and_the_newest_change():
    verdict = freshness.judge("crm.orders", hours_before_end(26.25), END, RULE)
    assert freshness.describe(verdict) == "lag 26.2 h (newest 2026-10-04T21:45:00+00:00)"
    assert freshness.expectation(RULE) == "warn after 24 h, error after 72 h"


def test_an_override_changes_the_thresholds_of_the_source_it_names():
    overrides = {"crm.orders": {"warn_after_hours": 6}}
    assert freshness.rule_for("crm.orders", RULE, overrides) == Freshness(6, 72)
    assert freshness.rule_for("crm.customers", RULE, overrides) == RULE


def test_null_opts_a_source_out_and_naming_an_undeclared_source_opts_it_in():
    assert freshness.rule_for("crm.orders", RULE, {"crm.orders": None}) is None
    assert freshness.rule_for("crm.products", None, {"crm.products": {"error_after_hours": 400}}) == Freshness(24, 400)
    assert freshness.rule_for("crm.products", None, {}) is None


def test_an_override_is_read_from_the_environment(monkeypatch):
    monkeypatch.setenv("ETL_FRESHNESS", '{"taskflow.events": {"warn_after_hours": 2, "error_after_hours": 3}}')
    assert freshness.rule_for("taskflow.events", RULE) == Freshness(2, 3)


@pytest.mark.parametrize(("changes", "message"), [
    ({"warn_after": 3}, "unknown settings ['warn_after']"),
    ({"warn_after_hours": 80}, "errors after 72 h, before it warns (80 h)"),
])
def test_a_bad_override_is_refused_with_the_source_named(changes, message):
    with pytest.raises(ValueError, match="ETL_FRESHNESS: crm.orders") as error:
        freshness.rule_for("crm.orders", RULE, {"crm.orders": changes})
    assert message in str(error.value)


def test_the_failure_names_the_source_its_lag_and_the_thresholds_in_the_email():
    verdict = freshness.judge("crm.orders", hours_before_end(80.5), END, RULE)
    error = freshness.error(verdict, END)
    assert str(error) == ("source freshness: crm.orders fails, lag 80.5 h (newest 2026-10-02T15:30:00+00:00) "
                          "before the interval end 2026-10-06T00:00:00+00:00; warn after 24 h, error after 72 h "
                          "(ETL_FRESHNESS sets them)")
    subject = alerts.failure_subject("crm_nightly", "2026-10-05", "extract_orders", alerts.alert_detail(error))
    assert subject.endswith("task extract_orders failed (crm.orders stale: lag 80.5 h)")
    body = alerts.failure_body(dag_id="crm_nightly", run_id="r", task_id="extract_orders", business_date="2026-10-05",
                               try_number=1, interval_start="s", interval_end="e", exception=error, log_url="u")
    assert "crm.orders fails, lag 80.5 h" in body
