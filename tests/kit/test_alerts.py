"""What the alerts say, on hand-made inputs."""

from __future__ import annotations

import datetime as dt

from include.warehouse_kit import alerts

COUNTS = {"products": {"extracted": 10, "loaded": 10, "quarantined": 0},
          "customers": {"extracted": 1000, "loaded": 995, "quarantined": 5},      # exactly 0.5 %: fine
          "orders": {"extracted": 200, "loaded": 198, "quarantined": 2},         # 1 %: warn
          "order_items": {"extracted": 0, "loaded": 0, "quarantined": 0}}


def test_recipients_come_from_the_env_var_first(monkeypatch):
    monkeypatch.setenv("ETL_ALERT_EMAILS", " a@example.com, b@example.com ,")
    monkeypatch.setenv("AIRFLOW_VAR_ALERT_EMAILS", "c@example.com")
    assert alerts.recipients() == ["a@example.com", "b@example.com"]


def test_recipients_fall_back_to_the_airflow_variable(monkeypatch):
    monkeypatch.delenv("ETL_ALERT_EMAILS", raising=False)
    monkeypatch.setenv("AIRFLOW_VAR_ALERT_EMAILS", "c@example.com,d@example.com")
    assert alerts.recipients() == ["c@example.com", "d@example.com"]


def test_quality_warnings_flag_warn_checks_and_quarantine_above_half_a_percent():
    checks = [("marts.customer_segments.row_count_trend", "warn", "130", "100.0 +- 20%"),
              ("orders.quarantine_share", "pass", "0.01", "<= 0.05")]
    warnings = alerts.quality_warnings(COUNTS, checks)
    assert warnings == ["marts.customer_segments.row_count_trend: observed 130, expected 100.0 +- 20%",
                        "orders: 2 of 200 rows quarantined (1.00% > 0.5%)"]


def test_summary_carries_counts_warnings_segments_and_duration():
    report = alerts.RunReport("r1", dt.date(2026, 10, 5), "success", 42.4, COUNTS,
                              ["orders: 2 of 200 rows quarantined (1.00% > 0.5%)"],
                              [("champion", 1200, -3), ("prospect", 50, None)])
    text = alerts.summary_text(report)
    assert "business day 2026-10-05: success in 42 s" in text
    assert "customers         1,000       995            5" in text
    assert "• orders: 2 of 200 rows quarantined" in text
    assert "• champion: 1,200 (-3)" in text and "• prospect: 50\n" in text + "\n"


def test_failure_subject_names_dag_business_day_and_task():
    assert alerts.failure_subject("crm_nightly", dt.date(2026, 10, 5), "load.load_orders") == (
        "[ETL FAILED] crm_nightly business day 2026-10-05: task load.load_orders failed")


def test_failure_body_escapes_the_exception_and_links_the_log():
    body = alerts.failure_body(dag_id="crm_nightly", run_id="r1", task_id="t", business_date="2026-10-05",
                               try_number=3, interval_start="2026-10-05", interval_end="2026-10-06",
                               exception=ValueError("<b>{{ oops }}</b>"), log_url="http://x/log?a=1&b=2")
    assert "&lt;b&gt;{{ oops }}&lt;/b&gt;" in body
    assert 'href="http://x/log?a=1&amp;b=2"' in body
    assert "<td>try number</td><td>3</td>" in body


def test_lateness_text_says_what_state_the_night_is_in():
    assert "has not started" in alerts.lateness_text(dt.date(2026, 10, 5), None)
    assert "has failed" in alerts.lateness_text(dt.date(2026, 10, 5), "failed")
    assert "is still running" in alerts.lateness_text(dt.date(2026, 10, 5), "running")
