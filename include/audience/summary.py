"""What audience_handoff adds to the morning Slack summary: one line per audience."""

from __future__ import annotations

from collections.abc import Sequence

import psycopg

from include.audience import run
from include.warehouse_kit.alerts import RunReport, Section, SummaryContent
from include.warehouse_kit.run_context import RunContext


def audience_line(r: run.AudienceResult) -> str:
    where = f"{r.audience_id} -> {r.destination or 'unknown destination'}"
    if r.status == "failed":
        return f"{where}: *FAILED* after {r.upserted:,} upserted, {r.removed:,} removed: {(r.error or '')[:300]}"
    if r.status in ("skipped", "superseded"):
        return f"{where}: {r.status} ({r.detail})"
    seconds = f", {r.seconds:.1f} s" if r.seconds is not None else ""
    return (f"{where}: {r.upserted:,} upserted, {r.removed:,} removed, {r.unchanged:,} unchanged "
            f"({r.batches:,} batches, {r.http_retries:,} retries{seconds})")


def sections(wh: psycopg.Connection, report: RunReport) -> Sequence[Section]:
    ctx = RunContext.for_business_day(dag_id=report.dag_id, run_id=report.run_id, day=report.business_date)
    lines = [audience_line(r) for r in run.logged(wh, ctx).values()]
    return [Section("*Audiences:*", tuple(lines) or ("no campaign was handed off",))]


MORNING_SUMMARY = SummaryContent(sections=sections, counts_table=False)
