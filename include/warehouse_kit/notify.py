"""Airflow callbacks that send the alerts with Airflow's own notifiers.

- `on_task_failure`: on_failure_callback of every task of every DAG (default_args). It runs
  when a task has failed after its retries and sends one email per failed run (SmtpNotifier,
  connection `smtp_alerts`).
- `on_run_success`: on_success_callback of the last task: the morning Slack summary, and a
  Slack warning when a check warned or a table's quarantine share is above 0.5 %
  (SlackWebhookNotifier, connection `slack_alerts`).
- `send_lateness_alerts`: used by the DAG crm_nightly_lateness at 06:00 business time: Slack
  and email when the night has not finished.

An alert whose connection is not configured is off. A failing alert is logged and never
changes the run's state.
"""

from __future__ import annotations

import datetime as dt
import logging
import os

from include.warehouse_kit import alerts
from include.warehouse_kit.settings import WAREHOUSE_CONN_ID, settings

log = logging.getLogger(__name__)
DEFAULT_FROM = "crm-etl@localhost"


def _connection(conn_id: str):
    from airflow.sdk import BaseHook

    try:
        return BaseHook.get_connection(conn_id)
    except Exception:  # not defined anywhere: that alert is off
        return None


def _from_email(conn) -> str:
    return (os.environ.get("ETL_ALERT_FROM") or (conn.extra_dejson or {}).get("from_email") or DEFAULT_FROM)


def _business_date(start: dt.datetime | None) -> str:
    return str(start.astimezone(settings().business_tz).date()) if start else "unknown"


def _first_alert(run_id: str, kind: str, detail: str) -> bool:
    """Record the alert in audit.alert_log; False if this run already had one of this kind.
    When the warehouse cannot be reached, send anyway: a duplicate beats a silent failure."""
    from include.warehouse_kit import connections

    try:
        with connections.connect(WAREHOUSE_CONN_ID) as wh:
            row = wh.execute("INSERT INTO audit.alert_log (run_id, kind, detail) VALUES (%s, %s, %s) "
                             "ON CONFLICT DO NOTHING RETURNING 1", (run_id, kind, detail)).fetchone()
            return row is not None
    except Exception:
        log.warning("could not record the %s alert of %s in audit.alert_log; sending it anyway", kind, run_id,
                    exc_info=True)
        return True


def on_task_failure(context) -> None:
    try:
        _send_failure_email(context)
    except Exception:
        log.exception("failure email not sent")


def _send_failure_email(context) -> None:
    from airflow.providers.smtp.notifications.smtp import SmtpNotifier

    conn = _connection(alerts.SMTP_CONN_ID)
    if conn is None:
        log.info("connection %s is not configured: failure email is off", alerts.SMTP_CONN_ID)
        return
    to = alerts.recipients()
    if not to:
        log.warning("no recipients (ETL_ALERT_EMAILS or Variable alert_emails): failure email not sent")
        return
    ti = context["ti"]
    run_id = context["run_id"]
    if not _first_alert(run_id, "failure_email", ti.task_id):
        log.info("run %s already sent its failure email", run_id)
        return
    start, end = context.get("data_interval_start"), context.get("data_interval_end")
    business_date = _business_date(start)
    SmtpNotifier(
        to=to,
        from_email=_from_email(conn),
        subject=alerts.failure_subject(ti.dag_id, business_date, ti.task_id),
        html_content=alerts.failure_body(
            dag_id=ti.dag_id, run_id=run_id, task_id=ti.task_id, business_date=business_date,
            try_number=ti.try_number, interval_start=start, interval_end=end,
            exception=context.get("exception"), log_url=ti.log_url),
        smtp_conn_id=alerts.SMTP_CONN_ID,
    ).notify(context)  # notify(), not __call__: the content is final, nothing to render
    log.info("failure email for %s sent to %s", run_id, ", ".join(to))


def on_run_success(context) -> None:
    try:
        _send_summary(context)
    except Exception:
        log.exception("morning summary not sent")


def _send_summary(context) -> None:
    from airflow.providers.slack.notifications.slack_webhook import SlackWebhookNotifier

    from include.warehouse_kit import connections

    if _connection(alerts.SLACK_CONN_ID) is None:
        log.info("connection %s is not configured: Slack summary is off", alerts.SLACK_CONN_ID)
        return
    with connections.connect(WAREHOUSE_CONN_ID) as wh:
        report = alerts.run_report(wh, context["run_id"])
    SlackWebhookNotifier(slack_webhook_conn_id=alerts.SLACK_CONN_ID,
                         text=alerts.summary_text(report)).notify(context)
    if report.warnings:
        SlackWebhookNotifier(slack_webhook_conn_id=alerts.SLACK_CONN_ID,
                             text=alerts.warning_text(report)).notify(context)


def send_lateness_alerts(business_date: dt.date, status: str | None) -> list[str]:
    """The night of `business_date` has not finished by 06:00: tell Slack and the on-call
    engineer. Returns the channels that were sent to. Each channel fails on its own."""
    from airflow.providers.slack.notifications.slack_webhook import SlackWebhookNotifier
    from airflow.providers.smtp.notifications.smtp import SmtpNotifier

    text = alerts.lateness_text(business_date, status)
    sent = []
    if _connection(alerts.SLACK_CONN_ID) is not None:
        try:
            SlackWebhookNotifier(slack_webhook_conn_id=alerts.SLACK_CONN_ID, text=f":hourglass: {text}").notify({})
            sent.append("slack")
        except Exception:
            log.exception("lateness Slack alert not sent")
    else:
        log.info("connection %s is not configured: Slack lateness alert is off", alerts.SLACK_CONN_ID)
    conn = _connection(alerts.SMTP_CONN_ID)
    to = alerts.recipients() if conn is not None else []
    if to:
        try:
            SmtpNotifier(to=to, from_email=_from_email(conn),
                         subject=f"[ETL LATE] crm_nightly business day {business_date} has not finished",
                         html_content=f"<p>{text}</p><p>First checks: docs/operations.md</p>",
                         smtp_conn_id=alerts.SMTP_CONN_ID).notify({})
            sent.append("email")
        except Exception:
            log.exception("lateness email not sent")
    else:
        log.info("no smtp_alerts connection or no recipients: lateness email is off")
    return sent
