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


def test_summary_lists_the_tables_in_the_given_order_and_names_the_dag():
    report = alerts.RunReport("pipe_a", "r1", dt.date(2026, 10, 5), "failed", None, COUNTS,
                              ("orders", "products"), [])
    text = alerts.summary_text(report)
    assert text.startswith("*pipe_a* business day 2026-10-05: failed in unknown\n")
    assert "*Quality warnings:* none" in text
    assert text.index("orders ") < text.index("products ") and "customers" not in text


def test_a_section_without_items_is_left_out_and_a_long_table_name_widens_the_column():
    report = alerts.RunReport("pipe_a", "r1", dt.date(2026, 10, 5), "success", 3.0,
                              {"a_very_long_table": {"extracted": 1, "loaded": 1}}, ("a_very_long_table",), [],
                              [alerts.Section("*Empty:*"), alerts.Section("*Kept:*", ("x: 1",))])
    text = alerts.summary_text(report)
    assert "*Empty:*" not in text and "*Kept:*\n• x: 1" in text
    assert "a_very_long_table           1         1            0" in text


def test_quality_warnings_follow_the_counts_when_no_table_order_is_given():
    counts = {"b": {"extracted": 10, "quarantined": 1}, "a": {"extracted": 10, "quarantined": 2}}
    assert [w.split(":")[0] for w in alerts.quality_warnings(counts, [])] == ["b", "a"]
    assert [w.split(":")[0] for w in alerts.quality_warnings(counts, [], ("a", "b"))] == ["a", "b"]


def test_warning_text_names_the_dag():
    report = alerts.RunReport("pipe_a", "r1", dt.date(2026, 10, 5), "success", 1.0, {}, (), ["w1"])
    assert alerts.warning_text(report) == (
        ":warning: *pipe_a* business day 2026-10-05 succeeded but needs attention:\n• w1")


def test_failure_subject_names_dag_business_day_and_task():
    assert alerts.failure_subject("crm_nightly", dt.date(2026, 10, 5), "load.load_orders") == (
        "[ETL FAILED] crm_nightly business day 2026-10-05: task load.load_orders failed")


class _Detailed(Exception):
    alert_detail = "audience vip"


def test_failure_subject_adds_the_detail_the_error_gives_even_through_a_wrapping_exception():
    try:
        try:
            raise _Detailed("1 of 2 audiences failed")
        except _Detailed as error:
            raise RuntimeError("wrapped") from error
    except RuntimeError as wrapped:
        detail = alerts.alert_detail(wrapped)
    assert detail == "audience vip"
    assert alerts.failure_subject("pipe_a", dt.date(2026, 10, 5), "record", detail) == (
        "[ETL FAILED] pipe_a business day 2026-10-05: task record failed (audience vip)")
    assert alerts.alert_detail(ValueError("plain")) is None and alerts.alert_detail(None) is None


def test_failure_body_escapes_the_exception_and_links_the_log():
    body = alerts.failure_body(dag_id="crm_nightly", run_id="r1", task_id="t", business_date="2026-10-05",
                               try_number=3, interval_start="2026-10-05", interval_end="2026-10-06",
                               exception=ValueError("<b>{{ oops }}</b>"), log_url="http://x/log?a=1&b=2")
    assert "&lt;b&gt;{{ oops }}&lt;/b&gt;" in body
    assert 'href="http://x/log?a=1&amp;b=2"' in body
    assert "<td>try number</td><td>3</td>" in body


def test_lateness_text_says_what_state_the_night_is_in():
    def text(status):
        return alerts.lateness_text("pipe_a", dt.date(2026, 10, 5), status, deadline=dt.time(6, 0))

    assert "has not started" in text(None)
    assert "has failed" in text("failed")
    assert "is still running" in text("running")
    assert text(None) == "pipe_a for business day 2026-10-05 has not started at 06:00 business time."


def test_lateness_subject_names_the_watched_dag():
    assert alerts.lateness_subject("pipe_a", dt.date(2026, 10, 5)) == (
        "[ETL LATE] pipe_a business day 2026-10-05 has not finished")


def test_a_summary_without_a_counts_table_has_no_table_and_no_quarantine_warnings():
    report = alerts.RunReport("pipe_b", "r1", dt.date(2026, 10, 5), "success", 2.0, {}, (), [],
                              [alerts.Section("*Items:*", ("a: 1",))], counts_table=False)
    text = alerts.summary_text(report)
    assert "```" not in text and "extracted" not in text
    assert text == ("*pipe_b* business day 2026-10-05: success in 2 s\n*Quality warnings:* none\n"
                    "*Items:*\n• a: 1")
