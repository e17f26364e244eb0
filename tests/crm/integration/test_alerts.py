"""Alerts through Airflow's own notifiers, against real servers on loopback."""

from __future__ import annotations

import datetime as dt

from devtools import demo_crm
from devtools.alert_catchers import closed_endpoints, smtp_server, webhook_server
from tests.crm.integration.test_airflow_cli import dags_test

BASE_URL = "http://airflow.example.test:8080"
RECIPIENTS = "oncall@example.com, data-team@example.com"


def _world(world_factory, *, failing: bool):
    world = world_factory(customers=300, end_date=dt.date(2026, 10, 5))
    demo_crm.tick(world.source_uri, day=dt.date(2026, 10, 5), seed=7)
    if failing:  # every new line has quantity 0: the quarantine gate of validate_order_items fails
        world.src("INSERT INTO crm.order_items SELECT 99000000 + g, 1, 1, 0, 1.00, "
                  "'2026-10-05 10:00+00', '2026-10-05 10:00+00' FROM generate_series(1, 400) g")
    return world


def test_a_failed_gate_fails_at_once_and_sends_exactly_one_email(world_factory, tmp_path):
    """Retries are on (2), but a failed gate is final: the same batch would fail again, so the
    email goes out after the first try. (Retryable failures: test_faults' unreachable source.)"""
    world = _world(world_factory, failing=True)
    with smtp_server() as (smtp_conn, inbox), webhook_server() as (slack_conn, posts):
        result = dags_test(world, tmp_path, AIRFLOW_CONN_SMTP_ALERTS=smtp_conn, AIRFLOW_CONN_SLACK_ALERTS=slack_conn,
                           ETL_ALERT_EMAILS=RECIPIENTS, ETL_TASK_RETRIES="2", ETL_RETRY_DELAY_SECONDS="1",
                           AIRFLOW__API__BASE_URL=BASE_URL)
    assert result.returncode != 0
    assert len(inbox) == 1, [m["subject"] for m in inbox]
    mail = inbox[0]
    assert sorted(mail["to"]) == ["data-team@example.com", "oncall@example.com"]
    assert mail["subject"] == ("[ETL FAILED] crm_nightly business day 2026-10-05: "
                               "task validate.validate_order_items failed")
    assert f'href="{BASE_URL}/dags/crm_nightly/runs/' in mail["body"]
    assert "/tasks/validate.validate_order_items?try_number=1" in mail["body"]
    assert "QualityGateError" in mail["body"] and "2026-10-05 00:00:00+00:00" in mail["body"]
    assert "<td>try number</td><td>1</td>" in mail["body"]
    assert posts == []  # no summary for a failed night
    assert world.wh("SELECT kind FROM audit.alert_log") == [("failure_email",)]


def test_successful_night_posts_the_summary_with_counts_and_segments(world_factory, tmp_path):
    world = _world(world_factory, failing=False)
    with smtp_server() as (smtp_conn, inbox), webhook_server() as (slack_conn, posts):
        result = dags_test(world, tmp_path, AIRFLOW_CONN_SMTP_ALERTS=smtp_conn, AIRFLOW_CONN_SLACK_ALERTS=slack_conn,
                           ETL_ALERT_EMAILS=RECIPIENTS)
    assert result.returncode == 0, result.stdout[-2000:]
    assert inbox == []
    summary = posts[0]["text"]
    counts = world.wh("SELECT table_counts FROM audit.etl_run_log")[0][0]
    for table in ("products", "customers", "orders", "order_items"):
        c = counts[table]
        assert f"{table:<12}{c['extracted']:>11,}{c['loaded']:>10,}{c['quarantined']:>13,}" in summary
    for segment, customers in world.wh("SELECT segment, customers FROM marts.segment_summary"):
        assert f"• {segment}: {customers:,}" in summary
    # the generator's dirt puts more than 0.5 % of the lines in quarantine: a warning follows
    share = counts["order_items"]["quarantined"] / counts["order_items"]["extracted"]
    assert (len(posts) == 2) == (share > 0.005)
    if len(posts) == 2:
        assert "order_items:" in posts[1]["text"] and "quarantined" in posts[1]["text"]


def test_unreachable_alert_endpoints_leave_the_run_status_as_the_work_made_it(world_factory, tmp_path):
    smtp_conn, slack_conn = closed_endpoints()
    good = _world(world_factory, failing=False)
    result = dags_test(good, tmp_path / "good", AIRFLOW_CONN_SMTP_ALERTS=smtp_conn,
                       AIRFLOW_CONN_SLACK_ALERTS=slack_conn, ETL_ALERT_EMAILS=RECIPIENTS)
    assert result.returncode == 0
    assert good.wh("SELECT status FROM audit.etl_run_log") == [("success",)]
    bad = _world(world_factory, failing=True)
    result = dags_test(bad, tmp_path / "bad", AIRFLOW_CONN_SMTP_ALERTS=smtp_conn,
                       AIRFLOW_CONN_SLACK_ALERTS=slack_conn, ETL_ALERT_EMAILS=RECIPIENTS, ETL_TASK_RETRIES="0")
    assert result.returncode != 0
    assert bad.wh("SELECT status FROM audit.etl_run_log") == [("failed",)]


def test_without_alert_connections_the_alerts_are_quietly_off(world_factory, tmp_path):
    world = _world(world_factory, failing=False)
    result = dags_test(world, tmp_path)
    assert result.returncode == 0
    assert "is not configured" in result.stdout + result.stderr


def test_a_night_not_finished_by_six_alerts_slack_and_email(world_factory, tmp_path):
    world = _world(world_factory, failing=False)
    world.night(dt.date(2026, 10, 4))  # the warehouse exists; the night of 10-05 never ran
    with smtp_server() as (smtp_conn, inbox), webhook_server() as (slack_conn, posts):
        result = dags_test(world, tmp_path, dag_id="crm_nightly_lateness", when="2026-10-06T06:00:00+00:00",
                           AIRFLOW_CONN_SMTP_ALERTS=smtp_conn, AIRFLOW_CONN_SLACK_ALERTS=slack_conn,
                           ETL_ALERT_EMAILS=RECIPIENTS)
        assert result.returncode == 0, result.stdout[-2000:]
        assert len(inbox) == 1 and inbox[0]["subject"] == (
            "[ETL LATE] crm_nightly business day 2026-10-05 has not finished")
        assert len(posts) == 1 and "business day 2026-10-05 has not started" in posts[0]["text"]

        world.night(dt.date(2026, 10, 5))  # now it has run: the check stays quiet
        result = dags_test(world, tmp_path, dag_id="crm_nightly_lateness", when="2026-10-06T06:00:00+00:00",
                           AIRFLOW_CONN_SMTP_ALERTS=smtp_conn, AIRFLOW_CONN_SLACK_ALERTS=slack_conn,
                           ETL_ALERT_EMAILS=RECIPIENTS)
        assert result.returncode == 0
        assert len(inbox) == 1 and len(posts) == 1
