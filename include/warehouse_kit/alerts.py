"""What the alerts say. Sending is done by Airflow's own notifiers (smtp, slack providers, see
notify.py); this module only builds their content, for any DAG, from its rows in
audit.etl_run_log and audit.data_quality_log.

- failure email: subject and body for a failed run (`failure_subject`, `failure_body`)
- morning summary: the run's counts per table, quality warnings, the sections its domain adds,
  duration (`run_report`, `summary_text`)
- quality warning: a check in warn status, or more than 0.5 % of a table's batch quarantined
  (`quality_warnings`, `warning_text`)
- lateness: a run that had not finished by its deadline (`lateness_text`, `lateness_subject`)

A domain shapes its DAG's summary with a `SummaryContent`: the order of its tables, and a
function that reads its extra sections (say, customers per segment and their change).
"""

from __future__ import annotations

import datetime as dt
import html
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import psycopg

from include.warehouse_kit.sql_files import query

QUARANTINE_WARN_SHARE = 0.005
SMTP_CONN_ID = "smtp_alerts"
SLACK_CONN_ID = "slack_alerts"
TABLE_COLUMN_WIDTH = 12  # a longer table name widens the column


@dataclass(frozen=True)
class Section:
    """A titled list in the summary: `title` on its line, then one bullet per item. A section
    without items is left out."""

    title: str
    items: tuple[str, ...] = ()


@dataclass
class RunReport:
    dag_id: str
    run_id: str
    business_date: dt.date
    status: str
    duration_seconds: float | None
    table_counts: dict
    tables: tuple[str, ...]  # the order of the counts table
    warnings: list[str] = field(default_factory=list)
    sections: list[Section] = field(default_factory=list)
    counts_table: bool = True


SectionReader = Callable[[psycopg.Connection, RunReport], Sequence[Section]]


def no_sections(wh: psycopg.Connection, report: RunReport) -> Sequence[Section]:
    return ()


@dataclass(frozen=True)
class SummaryContent:
    """What a DAG's domain adds to the kit's run report: its tables in the order the summary
    lists them (empty: the order of the run log's counts), and the extra sections, read from
    the warehouse once the kit's part of the report is known."""

    tables: tuple[str, ...] = ()
    sections: SectionReader = no_sections
    counts_table: bool = True  # False: a DAG whose run log counts are not per source table


PLAIN_SUMMARY = SummaryContent()  # a DAG whose domain adds nothing


def recipients() -> list[str]:
    """ETL_ALERT_EMAILS (comma-separated), else the Airflow Variable alert_emails."""
    raw = os.environ.get("ETL_ALERT_EMAILS", "")
    if not raw.strip():
        from airflow.sdk import Variable

        raw = Variable.get("alert_emails", default="") or ""
    return [a.strip() for a in raw.split(",") if a.strip()]


def quality_warnings(table_counts: dict, checks: list[tuple[str, str, str, str]],
                     tables: Sequence[str] = ()) -> list[str]:
    """Checks in warn status, and tables whose batch went more than 0.5 % to quarantine."""
    warnings = [f"{check}: observed {observed}, expected {expected}"
                for check, status, observed, expected in checks if status == "warn"]
    for table in tables or tuple(table_counts):
        counts = table_counts.get(table) or {}
        extracted, quarantined = counts.get("extracted", 0), counts.get("quarantined", 0)
        if extracted and quarantined / extracted > QUARANTINE_WARN_SHARE:
            warnings.append(f"{table}: {quarantined:,} of {extracted:,} rows quarantined "
                            f"({quarantined / extracted:.2%} > {QUARANTINE_WARN_SHARE:.1%})")
    return warnings


def run_report(wh: psycopg.Connection, dag_id: str, run_id: str,
               content: SummaryContent = PLAIN_SUMMARY) -> RunReport:
    """The report of one DAG run: its run log row, its quality warnings, its domain's sections."""
    keys = {"dag_id": dag_id, "run_id": run_id}
    row = wh.execute(query("kit/alerts/select_run.sql"), keys).fetchone()
    if row is None:
        raise LookupError(f"no audit.etl_run_log row for run {run_id} of {dag_id}")
    business_date, status, seconds, counts = row
    checks = wh.execute(query("kit/alerts/select_run_checks.sql"), keys).fetchall()
    tables = content.tables or tuple(counts)
    report = RunReport(dag_id, run_id, business_date, status, float(seconds) if seconds is not None else None,
                       counts, tables, quality_warnings(counts if content.counts_table else {}, checks, tables),
                       counts_table=content.counts_table)
    report.sections = list(content.sections(wh, report))
    return report


def summary_text(report: RunReport) -> str:
    """The morning Slack summary (Slack mrkdwn)."""
    duration = f"{report.duration_seconds:.0f} s" if report.duration_seconds is not None else "unknown"
    width = max([TABLE_COLUMN_WIDTH, *(len(t) + 1 for t in report.tables)])
    lines = [f"*{report.dag_id}* business day {report.business_date}: {report.status} in {duration}"]
    if report.counts_table:
        lines += ["```", f"{'table':<{width}}{'extracted':>11}{'loaded':>10}{'quarantined':>13}"]
        for table in report.tables:
            c = report.table_counts.get(table) or {}
            lines.append(f"{table:<{width}}{c.get('extracted', 0):>11,}{c.get('loaded', 0):>10,}"
                         f"{c.get('quarantined', 0):>13,}")
        lines.append("```")
    lines.append("*Quality warnings:* " + ("none" if not report.warnings else ""))
    lines += [f"• {w}" for w in report.warnings]
    for section in report.sections:
        if section.items:
            lines.append(section.title)
            lines += [f"• {item}" for item in section.items]
    return "\n".join(lines)


def warning_text(report: RunReport) -> str:
    return (f":warning: *{report.dag_id}* business day {report.business_date} succeeded but needs attention:\n"
            + "\n".join(f"• {w}" for w in report.warnings))


def lateness_text(dag_id: str, business_date: dt.date, status: str | None, *, deadline: dt.time,
                  impact: str = "") -> str:
    """`impact`: what the readers of the DAG's output see while it is late."""
    state = {None: "has not started", "failed": "has failed", "running": "is still running"}.get(
        status, f"is {status}")
    return (f"{dag_id} for business day {business_date} {state} at {deadline:%H:%M} business time"
            + (f": {impact}." if impact else "."))


def lateness_subject(dag_id: str, business_date: dt.date) -> str:
    return f"[ETL LATE] {dag_id} business day {business_date} has not finished"


def lateness_body(text: str) -> str:
    return f"<p>{html.escape(text, quote=False)}</p><p>First checks: docs/operations.md</p>"


def failure_subject(dag_id: str, business_date: dt.date | str, task_id: str, detail: str | None = None) -> str:
    """`detail`: what failed inside the task, when its error says (an exception's `alert_detail`)."""
    subject = f"[ETL FAILED] {dag_id} business day {business_date}: task {task_id} failed"
    return f"{subject} ({detail})" if detail else subject


def alert_detail(exception: object) -> str | None:
    """The `alert_detail` of an exception or of the error it was raised from."""
    while exception is not None:
        detail = getattr(exception, "alert_detail", None)
        if detail:
            return str(detail)
        exception = getattr(exception, "__cause__", None)
    return None


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
