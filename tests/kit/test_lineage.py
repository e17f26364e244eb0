"""Lineage declarations: each step's reads and writes expand per table, name tables that exist,
become OpenLineage-convention asset URIs, and draw docs/lineage.md, which must not be stale."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from devtools import lineage_doc
from include.crm.pipeline import PIPELINE as CRM
from include.crm.segments_page.queries import READS as SEGMENTS_PAGE
from include.taskflow.analytics_page.queries import READS as ANALYTICS_PAGE
from include.taskflow.pipeline import PIPELINE as TASKFLOW
from include.warehouse_kit import lineage
from include.warehouse_kit.lineage import FILES, SOURCE, WAREHOUSE, Dataset, Endpoint
from include.warehouse_kit.quality_page.queries import READS as QUALITY_PAGE

REPO = Path(__file__).resolve().parents[2]
SQL = REPO / "include" / "sql"


def test_docs_lineage_md_is_generated_from_the_declarations():
    assert (REPO / "docs" / "lineage.md").read_text(encoding="utf-8") == lineage_doc.text(), (
        "docs/lineage.md is stale: run `python -m devtools.lineage_doc`")


def test_a_per_table_step_reads_its_source_and_writes_its_landing_table_and_core():
    extract, load = CRM.step("extract"), CRM.step("load")
    items = CRM.table("order_items")
    assert lineage.datasets(CRM, extract, items) == ([Dataset(SOURCE, "crm.order_items")],
                                                     [Dataset(WAREHOUSE, "staging.order_items")])
    assert lineage.datasets(CRM, load, items) == (
        [Dataset(WAREHOUSE, "staging.order_items"), Dataset(WAREHOUSE, "staging.rejects")],
        [Dataset(WAREHOUSE, "core.fact_order_lines"), Dataset(WAREHOUSE, "audit.quarantine")])
    inputs, _ = lineage.datasets(TASKFLOW, TASKFLOW.step("extract_events"))
    assert inputs == [Dataset(FILES, "taskflow.events")]
    reconcile, _ = lineage.datasets(CRM, CRM.step("reconcile"))
    assert {d.name for d in reconcile if d.store == SOURCE} == {t.qualified_name for t in CRM.tables}


def test_an_unknown_placeholder_is_refused():
    with pytest.raises(ValueError, match="unknown lineage entry {stagin}"):
        lineage.expand(["{stagin}"], CRM, CRM.table("orders"))


def test_asset_uris_follow_the_openlineage_naming():
    endpoints = {WAREHOUSE: lineage.postgres_endpoint("host=db.internal port=6432 dbname=dwh"),
                 SOURCE: lineage.postgres_endpoint("postgresql://etl@crm.internal/crm"),
                 FILES: Endpoint(root_url="s3://aws_logs@tf-events/prod/logs")}
    assert lineage.asset_uri(Dataset(WAREHOUSE, "core.fact_order_lines"), endpoints) == (
        "postgres://db.internal:6432/dwh/core/fact_order_lines")
    assert lineage.asset_uri(Dataset(SOURCE, "crm.orders"), endpoints) == "postgres://crm.internal:5432/crm/crm/orders"
    assert lineage.asset_uri(Dataset(FILES, "taskflow.events"), endpoints) == "s3://tf-events/prod/logs"
    endpoints[FILES] = Endpoint(root_url="file:///srv/taskflow/events")
    assert lineage.asset_uri(Dataset(FILES, "taskflow.events"), endpoints) == "file:///srv/taskflow/events"


def _created() -> set[str]:
    """Every table and view the DDL files create."""
    text = "\n".join(p.read_text() for p in SQL.rglob("*.sql"))
    return {m.lower() for m in re.findall(
        r"CREATE (?:UNLOGGED )?(?:TABLE|(?:OR REPLACE )?VIEW|MATERIALIZED VIEW) (?:IF NOT EXISTS )?([a-z_]+\.[a-z_]+)",
        text, flags=re.I)}


def test_every_warehouse_table_a_step_names_exists():
    created = _created()
    named = {d.name for pipeline in lineage_doc.PIPELINES for _, ins, outs in lineage.tasks(pipeline)
             for d in (*ins, *outs) if d.store == WAREHOUSE}
    assert sorted(named - created) == []


@pytest.mark.parametrize(("reads", "folder"), [(SEGMENTS_PAGE, "crm/segments_page"),
                                              (ANALYTICS_PAGE, "taskflow/page"),
                                              (QUALITY_PAGE, "kit/quality_page")])
def test_a_pages_declared_reads_are_the_tables_its_queries_name(reads, folder):
    text = "\n".join(p.read_text() for p in (SQL / folder).glob("*.sql"))
    assert set(re.findall(r"\b(?:marts|audit|core)\.[a-z_]+", text)) == set(reads)


def test_without_a_lineage_reader_a_task_makes_no_collector(monkeypatch):
    """Even Airflow's no-op collector imports every provider's asset factories when it is made."""
    from airflow.sdk import plugins_manager
    from airflow.sdk.lineage import get_hook_lineage_collector

    from include.warehouse_kit import pipeline

    monkeypatch.setattr(plugins_manager, "get_hook_lineage_readers_plugins", lambda: [])
    monkeypatch.setattr(lineage, "datasets", lambda *a: pytest.fail("datasets expanded without a reader"))
    get_hook_lineage_collector.cache_clear()
    pipeline._report_lineage(CRM, CRM.step("build_marts"), None)
    assert get_hook_lineage_collector.cache_info().currsize == 0
