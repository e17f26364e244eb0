"""What crm_nightly's alerts say beyond the kit's report of a run (include/warehouse_kit/alerts.py).

- The morning summary lists the CRM tables in load order, and adds the segment counts of the
  business day with their change since the previous snapshot.
- When the night is late, marketing is told what it sees meanwhile.
"""

from __future__ import annotations

from collections.abc import Sequence

import psycopg

from include.crm.contracts import TABLES
from include.warehouse_kit.alerts import RunReport, Section, SummaryContent
from include.warehouse_kit.sql_files import query

LATE_NIGHT_IMPACT = "the marts marketing reads this morning still show the day before"


def segment_items(segments: Sequence[tuple[str, int, int | None]]) -> tuple[str, ...]:
    """One item per segment: its customers, and the change when the previous snapshot had it."""
    return tuple(f"{s}: {n:,}" + ("" if d is None else f" ({d:+,})") for s, n, d in segments)


def segments_section(segments: Sequence[tuple[str, int, int | None]]) -> Section:
    return Section("*Segments* (change since the previous night):", segment_items(segments))


def read_sections(wh: psycopg.Connection, report: RunReport) -> list[Section]:
    """The segments of the business day, largest first (marts.segment_summary)."""
    rows = wh.execute(query("crm/summary/select_segment_change.sql"), {"day": report.business_date}).fetchall()
    return [segments_section(rows)]


MORNING_SUMMARY = SummaryContent(tables=tuple(t.name for t in TABLES), sections=read_sections)
