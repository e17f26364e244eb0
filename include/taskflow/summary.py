"""What taskflow_nightly's morning summary says beyond the kit's report of a run
(include/warehouse_kit/alerts.py): the TaskFlow sources in load order, then the business day's
tasks created and completed and the open and overdue tasks of its snapshot."""

from __future__ import annotations

import psycopg

from include.taskflow.contracts import EVENTS, TABLES
from include.warehouse_kit.alerts import RunReport, Section, SummaryContent
from include.warehouse_kit.sql_files import query

LATE_NIGHT_IMPACT = "the Task analytics page and its marts still show the day before"


def metrics_section(created: int, completed: int, open_tasks: int, overdue: int) -> Section:
    return Section("*Tasks* of the day:", (f"created: {created:,}", f"completed: {completed:,}",
                                            f"open: {open_tasks:,} ({overdue:,} overdue)"))


def read_sections(wh: psycopg.Connection, report: RunReport) -> list[Section]:
    row = wh.execute(query("taskflow/summary/select_day_metrics.sql"), {"day": report.business_date}).fetchone()
    return [metrics_section(*row)]


MORNING_SUMMARY = SummaryContent(tables=(*(t.name for t in TABLES), EVENTS.name), sections=read_sections)
