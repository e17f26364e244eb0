"""Airflow callbacks that send the alerts with Airflow's own notifiers.

- `on_task_failure`: on_failure_callback of every task of every DAG (default_args). It runs
  when a task has failed after its retries and sends one email per failed run (SmtpNotifier,
  connection `smtp_alerts`).
- `run_success_callback(content)`: the on_success_callback of a DAG's last task: the morning
  Slack summary of the run, with the sections its domain's `SummaryContent` adds, and a Slack
  warning when a check warned or a table's quarantine share is above 0.5 %
  (SlackWebhookNotifier, connection `slack_alerts`). `on_run_success` is the one of a DAG
  whose domain adds nothing.
- `send_lateness_alerts`: Slack and email when a DAG's run has not finished by its deadline
  (include/warehouse_kit/lateness.py).

An alert whose connection is not configured is off. A failing alert is logged and never
changes the run's state. Each alert is noted in audit.alert_log under (dag_id, run_id, kind).
"""

from __future__ import annotations

import datetime as dt
import logging
import os
from dataclasses import dataclass

from include.warehouse_kit import alerts
from include.warehouse_kit.settings import WAREHOUSE_CONN_ID, settings

log = logging.getLogger(__name__)
DEFAULT_FROM = "etl@localhost"  # without ETL_ALERT_FROM and the connection's from_email


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


def _logged_business_date(dag_id: str, run_id: str) -> str | None:
    """The day the run's row in audit.etl_run_log names: a run keyed on a business day rather
    than on its data interval (asset-triggered, manual) has it only there."""
    from include.warehouse_kit import connections
    from include.warehouse_kit.sql_files import query

    try:
        with connections.connect(WAREHOUSE_CONN_ID) as wh:
            row = wh.execute(query("kit/alerts/select_run.sql"), {"dag_id": dag_id, "run_id": run_id}).fetchone()
    except Exception:
        log.warning("could not read the business day of %s %s from audit.etl_run_log", dag_id, run_id,
                    exc_info=True)
        return None
    return str(row[0]) if row else None


def _dag_id(context) -> str:
    ti = context.get("ti")
    return ti.dag_id if ti is not None else context["dag"].dag_id


def _first_alert(dag_id: str, run_id: str, kind: str, detail: str) -> bool:
    """Record the alert in audit.alert_log; False if this run already had one of this kind.
    When the warehouse cannot be reached, send anyway: a duplicate beats a silent failure."""
    from include.warehouse_kit import connections
    from include.warehouse_kit.sql_files import query

    try:
        with connections.connect(WAREHOUSE_CONN_ID) as wh:
            row = wh.execute(query("kit/alerts/insert_alert.sql"),
                             {"dag_id": dag_id, "run_id": run_id, "kind": kind, "detail": detail}).fetchone()
            return row is not None
    except Exception:
        log.warning("could not record the %s alert of %s %s in audit.alert_log; sending it anyway", kind,
                    dag_id, run_id, exc_info=True)
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
    if not _first_alert(ti.dag_id, run_id, "failure_email", ti.task_id):
        log.info("run %s of %s already sent its failure email", run_id, ti.dag_id)
        return
    start, end = context.get("data_interval_start"), context.get("data_interval_end")
    business_date = _logged_business_date(ti.dag_id, run_id) or _business_date(start)
    SmtpNotifier(
        to=to,
        from_email=_from_email(conn),
        subject=alerts.failure_subject(ti.dag_id, business_date, ti.task_id,
                                       alerts.alert_detail(context.get("exception"))),
        html_content=alerts.failure_body(
            dag_id=ti.dag_id, run_id=run_id, task_id=ti.task_id, business_date=business_date,
            try_number=ti.try_number, interval_start=start, interval_end=end,
            exception=context.get("exception"), log_url=ti.log_url),
        smtp_conn_id=alerts.SMTP_CONN_ID,
    ).notify(context)  # notify(), not __call__: the content is final, nothing to render
    log.info("failure email for %s sent to %s", run_id, ", ".join(to))


@dataclass(frozen=True)
class RunSuccessCallback:
    """An on_success_callback that posts the run's morning summary. Two callbacks with the same
    content are equal, so a DAG test can compare them."""

    content: alerts.SummaryContent = alerts.PLAIN_SUMMARY

    def __call__(self, context) -> None:
        try:
            _send_summary(context, self.content)
        except Exception:
            log.exception("morning summary not sent")


def run_success_callback(content: alerts.SummaryContent = alerts.PLAIN_SUMMARY) -> RunSuccessCallback:
    """The morning summary of a DAG's runs, shaped by its domain's `content`."""
    return RunSuccessCallback(content)


on_run_success = run_success_callback()


def _send_summary(context, content: alerts.SummaryContent) -> None:
    if _connection(alerts.SLACK_CONN_ID) is None:
        log.info("connection %s is not configured: Slack summary is off", alerts.SLACK_CONN_ID)
        return
    from airflow.providers.slack.notifications.slack_webhook import SlackWebhookNotifier

    from include.warehouse_kit import connections

    with connections.connect(WAREHOUSE_CONN_ID) as wh:
        report = alerts.run_report(wh, _dag_id(context), context["run_id"], content)
    SlackWebhookNotifier(slack_webhook_conn_id=alerts.SLACK_CONN_ID,
                         text=alerts.summary_text(report)).notify(context)
    if report.warnings:
        SlackWebhookNotifier(slack_webhook_conn_id=alerts.SLACK_CONN_ID,
                             text=alerts.warning_text(report)).notify(context)


def send_lateness_alerts(dag_id: str, business_date: dt.date, status: str | None, *, deadline: dt.time,
                         impact: str = "") -> list[str]:
    """The run of `dag_id` for `business_date` has not finished by `deadline`: tell Slack and
    the on-call engineer. Returns the channels that were sent to. Each channel fails on its own."""
    from airflow.providers.slack.notifications.slack_webhook import SlackWebhookNotifier
    from airflow.providers.smtp.notifications.smtp import SmtpNotifier

    text = alerts.lateness_text(dag_id, business_date, status, deadline=deadline, impact=impact)
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
            SmtpNotifier(to=to, from_email=_from_email(conn), subject=alerts.lateness_subject(dag_id, business_date),
                         html_content=alerts.lateness_body(text), smtp_conn_id=alerts.SMTP_CONN_ID).notify({})
            sent.append("email")
        except Exception:
            log.exception("lateness email not sent")
    else:
        log.info("no %s connection or no recipients: lateness email is off", alerts.SMTP_CONN_ID)
    return sent
