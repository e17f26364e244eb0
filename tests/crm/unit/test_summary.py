"""crm_nightly's alert content (include/crm/summary.py) in the kit's texts, on hand-made inputs."""

from __future__ import annotations

import datetime as dt

from include.crm import summary
from include.warehouse_kit import alerts
from tests.kit.test_alerts import COUNTS


def _report(**changes) -> alerts.RunReport:
    fields = dict(dag_id="crm_nightly", run_id="r1", business_date=dt.date(2026, 10, 5), status="success",
                  duration_seconds=42.4, table_counts=COUNTS, tables=summary.MORNING_SUMMARY.tables,
                  warnings=["orders: 2 of 200 rows quarantined (1.00% > 0.5%)"],
                  sections=[summary.segments_section([("champion", 1200, -3), ("prospect", 50, None)])])
    return alerts.RunReport(**(fields | changes))


def test_the_summary_lists_the_crm_tables_in_load_order():
    assert summary.MORNING_SUMMARY.tables == ("products", "customers", "orders", "order_items")


def test_summary_carries_counts_warnings_segments_and_duration():
    text = alerts.summary_text(_report())
    assert "business day 2026-10-05: success in 42 s" in text
    assert "customers         1,000       995            5" in text
    assert "• orders: 2 of 200 rows quarantined" in text
    assert "• champion: 1,200 (-3)" in text and "• prospect: 50\n" in text + "\n"


def test_summary_text_of_crm_nightly_is_unchanged():
    assert alerts.summary_text(_report()) == "\n".join([
        "*crm_nightly* business day 2026-10-05: success in 42 s",
        "```",
        "table         extracted    loaded  quarantined",
        "products             10        10            0",
        "customers         1,000       995            5",
        "orders              200       198            2",
        "order_items           0         0            0",
        "```",
        "*Quality warnings:* ",
        "• orders: 2 of 200 rows quarantined (1.00% > 0.5%)",
        "*Segments* (change since the previous night):",
        "• champion: 1,200 (-3)",
        "• prospect: 50",
    ])


def test_a_night_without_segments_has_no_segments_section():
    text = alerts.summary_text(_report(sections=[summary.segments_section([])]))
    assert "Segments" not in text


def test_the_warning_names_crm_nightly():
    assert alerts.warning_text(_report()).startswith(
        ":warning: *crm_nightly* business day 2026-10-05 succeeded but needs attention:\n")


def test_lateness_text_of_crm_nightly_is_unchanged():
    text = alerts.lateness_text("crm_nightly", dt.date(2026, 10, 5), None, deadline=dt.time(6, 0),
                                impact=summary.LATE_NIGHT_IMPACT)
    assert text == ("crm_nightly for business day 2026-10-05 has not started at 06:00 business time: the marts "
                    "marketing reads this morning still show the day before.")
    assert alerts.lateness_subject("crm_nightly", dt.date(2026, 10, 5)) == (
        "[ETL LATE] crm_nightly business day 2026-10-05 has not finished")
