"""`make profile` on a generated CRM: one self-contained HTML report with a section per table,
its column profile over every row, and the dirt found with what catches it: the rules' rejects
counted by reason (NULL prices among them) and the shared emails a transform merges."""

from __future__ import annotations

import datetime as dt
import html

from devtools import profile_report
from include.crm.contracts import TABLES
from tests.crm.integration.conftest import world_factory  # noqa: F401


def test_the_report_profiles_every_row_and_names_the_dirt_and_its_rule(world_factory, tmp_path):  # noqa: F811
    world = world_factory(customers=800, end_date=dt.date(2026, 10, 1))
    out = tmp_path / "reports" / "source_profile.html"
    reports = {r.source: r for r in profile_report.build(world.source_uri, None, out)}

    assert list(reports) == [t.qualified_name for t in TABLES]
    for table in TABLES:
        [(rows,)] = world.src(f"SELECT count(*) FROM crm.{table.name}")
        report = reports[table.qualified_name]
        assert report.rows == rows and [p.column for p in report.profiles] == list(table.columns)
        assert all(p.rows == rows for p in report.profiles)

    lines = {f.title: f for f in reports["crm.order_items"].findings}
    [(null_prices,)] = world.src("SELECT count(*) FROM crm.order_items WHERE unit_price IS NULL")
    assert null_prices > 0 and lines["unit_price: required value is missing"].rows == null_prices
    assert lines["unit_price: required value is missing"].samples == ["NULL"]

    customers = {f.title: f for f in reports["crm.customers"].findings}
    [(shared,)] = world.src("SELECT count(*) FROM crm.customers c WHERE nullif(lower(trim(email)), '') IN ("
                            "SELECT nullif(lower(trim(email)), '') FROM crm.customers GROUP BY 1 HAVING count(*) > 1)")
    assert customers["emails shared by several customers (trimmed, lower-cased)"].rows == shared > 0
    assert customers["countries not written as ISO 3166 alpha-2"].rows > 0

    text = out.read_text(encoding="utf-8")
    for table in TABLES:
        assert f'<h2 id="{table.qualified_name}">' in text
    assert html.escape("core.customer_xref: customers sharing a normalised email") in text
    assert "<script" not in text and "http" not in text and "<link" not in text  # self-contained
