"""What the alerts say. Sending is done by Airflow's own notifiers (smtp, slack providers);
this module only builds their content from audit.etl_run_log and audit.data_quality_log.

- failure email: subject and body for a failed night (`failure_subject`, `failure_body`)
- morning summary: counts per table, quality warnings, segment counts and their change,
  duration (`run_report`, `summary_text`)
- quality warning: a check in warn status, or more than 0.5 % of a table's batch quarantined
  (`quality_warnings`)
"""

from __future__ import annotations

import datetime as dt
import html
import os
from dataclasses import dataclass, field

import psycopg

QUARANTINE_WARN_SHARE = 0.005
SMTP_CONN_ID = "smtp_alerts"
SLACK_CONN_ID = "slack_alerts"
TABLE_ORDER = ("products", "customers", "orders", "order_items")


@dataclass
class RunReport:
    run_id: str
    business_date: dt.date
    status: str
    duration_seconds: float | None
    table_counts: dict
    warnings: list[str] = field(default_factory=list)
    segments: list[tuple[str, int, int | None]] = field(default_factory=list)  # segment, now, change


def recipients() -> list[str]:
    """ETL_ALERT_EMAILS (comma-separated), else the Airflow Variable alert_emails."""
    raw = os.environ.get("ETL_ALERT_EMAILS", "")
    if not raw.strip():
        from airflow.sdk import Variable

        raw = Variable.get("alert_emails", default="") or ""
    return [a.strip() for a in raw.split(",") if a.strip()]


def quality_warnings(table_counts: dict, checks: list[tuple[str, str, str, str]]) -> list[str]:
    """Checks in warn status, and tables whose batch went more than 0.5 % to quarantine."""
    warnings = [f"{check}: observed {observed}, expected {expected}"
                for check, status, observed, expected in checks if status == "warn"]
    for table in TABLE_ORDER:
        counts = table_counts.get(table) or {}
        extracted, quarantined = counts.get("extracted", 0), counts.get("quarantined", 0)
        if extracted and quarantined / extracted > QUARANTINE_WARN_SHARE:
            warnings.append(f"{table}: {quarantined:,} of {extracted:,} rows quarantined "
                            f"({quarantined / extracted:.2%} > {QUARANTINE_WARN_SHARE:.1%})")
    return warnings


def run_report(wh: psycopg.Connection, run_id: str) -> RunReport:
    row = wh.execute("SELECT business_date, status, duration_seconds, table_counts FROM audit.etl_run_log "
                     "WHERE run_id = %s", (run_id,)).fetchone()
    if row is None:
        raise LookupError(f"no audit.etl_run_log row for run {run_id}")
    business_date, status, seconds, counts = row
    checks = wh.execute("SELECT \"check\", status, observed, expected FROM audit.data_quality_log "
                        "WHERE run_id = %s ORDER BY id", (run_id,)).fetchall()
    segments = wh.execute(
        "SELECT s.segment, s.customers, s.customers - p.customers FROM marts.segment_summary s "
        "LEFT JOIN marts.segment_summary p ON p.segment = s.segment AND p.as_of_date = ("
        "  SELECT max(as_of_date) FROM marts.segment_summary WHERE as_of_date < %(day)s) "
        "WHERE s.as_of_date = %(day)s ORDER BY s.customers DESC", {"day": business_date}).fetchall()
    return RunReport(run_id, business_date, status, float(seconds) if seconds is not None else None,
                     counts, quality_warnings(counts, checks), [(s, n, d) for s, n, d in segments])


def summary_text(report: RunReport) -> str:
    """The morning Slack summary (Slack mrkdwn)."""
    duration = f"{report.duration_seconds:.0f} s" if report.duration_seconds is not None else "unknown"
    lines = [f"*crm_nightly* business day {report.business_date}: {report.status} in {duration}",
             "```", f"{'table':<12}{'extracted':>11}{'loaded':>10}{'quarantined':>13}"]
    for table in TABLE_ORDER:
        c = report.table_counts.get(table) or {}
        lines.append(f"{table:<12}{c.get('extracted', 0):>11,}{c.get('loaded', 0):>10,}"
                     f"{c.get('quarantined', 0):>13,}")
    lines.append("```")
    lines.append("*Quality warnings:* " + ("none" if not report.warnings else ""))
    lines += [f"• {w}" for w in report.warnings]
    if report.segments:
        lines.append("*Segments* (change since the previous night):")
        lines += [f"• {s}: {n:,}" + ("" if d is None else f" ({d:+,})") for s, n, d in report.segments]
    return "\n".join(lines)


def warning_text(report: RunReport) -> str:
    return (f":warning: *crm_nightly* business day {report.business_date} succeeded but needs attention:\n"
            + "\n".join(f"• {w}" for w in report.warnings))


def lateness_text(business_date: dt.date, status: str | None) -> str:
    state = {None: "has not started", "failed": "has failed", "running": "is still running"}.get(
        status, f"is {status}")
    return (f"crm_nightly for business day {business_date} {state} at 06:00 business time: the marts "
            f"marketing reads this morning still show the day before.")


def failure_subject(dag_id: str, business_date: dt.date | str, task_id: str) -> str:
    return f"[ETL FAILED] {dag_id} business day {business_date}: task {task_id} failed"


def failure_body(*, dag_id: str, run_id: str, task_id: str, business_date: dt.date | str, try_number: int,
                 interval_start: object, interval_end: object, exception: object, log_url: str) -> str:
    e = html.escape
    return f"""<h3>{e(dag_id)} failed for business day {e(str(business_date))}</h3>
<table>
<tr><td>task</td><td>{e(task_id)}</td></tr>
<tr><td>run</td><td>{e(run_id)}</td></tr>
<tr><td>try number</td><td>{try_number}</td></tr>
<tr><td>data interval</td><td>[{e(str(interval_start))}, {e(str(interval_end))})</td></tr>
<tr><td>exception</td><td><pre>{e(repr(exception))}</pre></td></tr>
</table>
<p><a href="{e(log_url)}">Task log in the Airflow UI</a></p>
<p>First checks: docs/operations.md</p>"""
