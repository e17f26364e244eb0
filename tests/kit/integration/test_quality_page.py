"""The Data quality page against the real `airflow api-server`, on a generated CRM after two
nights: its JSON is the audit tables' (checks, freshness, reconciliation, each column's latest
profile with its null-rate history, open quarantine by reason), its CSV holds every open row,
and in headless Chromium it draws all of it inside the Airflow UI (screenshot saved).

Needs Debian's chromium and chromium-driver (`make test` installs them when missing)."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import os
from pathlib import Path

import httpx
import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select, WebDriverWait

from devtools import airflow_processes, headless_browser
from include.crm.contracts import DAG_ID, TABLES
from tests.crm.integration.conftest import module_worlds  # noqa: F401
from tests.taskflow.integration.test_analytics_browser import downloaded, settled

REPO = Path(__file__).resolve().parents[3]
ARTIFACTS = Path(os.environ.get("ETL_TEST_ARTIFACTS", REPO / ".local" / "test-artifacts"))
USER, PASSWORD = "oncall", "Night-shift-2026"
DAY = dt.date(2026, 10, 6)
PREFIX = "/data-quality"


@pytest.fixture(scope="module")
def world(module_worlds):  # noqa: F811
    world = module_worlds(customers=1500, end_date=DAY + dt.timedelta(days=1))
    world.night(DAY - dt.timedelta(days=1))
    world.last = world.night(DAY)
    return world


@pytest.fixture(scope="module")
def server(world, module_worlds, tmp_path_factory):  # noqa: F811
    home = tmp_path_factory.mktemp("data_quality_server")
    _, metadata_url = module_worlds.database("t_dq_meta")
    env = airflow_processes.stack_env(home / "airflow", metadata_uri=metadata_url, warehouse_url=world.warehouse_url,
                                      users={USER: ("viewer", PASSWORD)})
    airflow_processes.migrate(env)
    with airflow_processes.api_server(env, home / "api-server.log") as (base, _):
        yield base


@pytest.fixture(scope="module")
def api(server):
    token = httpx.post(f"{server}/auth/token", json={"username": USER, "password": PASSWORD}).json()["access_token"]
    with httpx.Client(base_url=f"{server}{PREFIX}", headers={"Authorization": f"Bearer {token}"}, timeout=30) as client:
        yield client


def test_every_route_needs_a_signed_in_user(server):
    for route in ("/", "/api/pipelines", "/api/pipeline", "/export/quarantine.csv", "/static/page.js"):
        assert httpx.get(f"{server}{PREFIX}{route}").status_code == 401


def test_the_page_shows_the_latest_runs_checks_profiles_and_open_quarantine(world, api):
    run_id = world.last.run_id
    assert [(r["dag_id"], r["run_id"], r["business_date"]) for r in api.get("/api/pipelines").json()] == [
        (DAG_ID, run_id, DAY.isoformat())]
    page = api.get("/api/pipeline", params={"dag_id": DAG_ID}).json()

    logged = world.wh('SELECT "check", status, observed FROM audit.data_quality_log WHERE run_id = %s', (run_id,))
    assert sorted((c["check"], c["status"], c["observed"]) for c in page["checks"]) == sorted(logged)
    order = [{"fail": 0, "warn": 1}.get(c["status"], 2) for c in page["checks"]]
    assert order == sorted(order)  # failures, then warnings, first
    assert {c["check"] for c in page["freshness"]} == {f"{t}.freshness" for t in ("customers", "orders", "order_items")}
    assert {c["check"]: c["status"] for c in page["reconciliation"]} == {
        **{f"{t.name}.reconciliation": "pass" for t in TABLES}, "order_items.amount_reconciliation": "pass"}

    profiles = page["profiles"]
    assert [(p["table_name"], p["column_name"]) for p in profiles] == sorted(
        ((t.name, c) for t in TABLES for c in t.columns), key=lambda tc: (tc[0], TABLES_BY[tc[0]].index(tc[1])))
    email = next(p for p in profiles if (p["table_name"], p["column_name"]) == ("customers", "email"))
    history = [r[0] for r in world.wh(
        "SELECT null_rate FROM audit.column_profile WHERE table_name = 'customers' AND column_name = 'email' "
        "ORDER BY profiled_at")]
    assert email["null_rates"] == history and len(history) == 2 and email["run_id"] == run_id

    by_reason = world.wh("SELECT source_table, reason, count(*) FROM audit.quarantine, unnest(reasons) reason "
                         "WHERE released_at IS NULL GROUP BY 1, 2")
    assert sorted((q["source_table"], q["reason"], q["rows"]) for q in page["quarantine"]) == sorted(by_reason)
    assert by_reason  # the generated CRM's dirt

    assert api.get("/api/pipeline", params={"dag_id": "nope"}).status_code == 422


def test_the_quarantine_csv_holds_every_open_row_of_the_table_asked_for(world, api):
    response = api.get("/export/quarantine.csv", params={"dag_id": DAG_ID, "source_table": "crm.customers"})
    assert response.status_code == 200
    assert response.headers["content-disposition"] == 'attachment; filename="quarantine_crm_nightly_crm.customers.csv"'
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"), newline="")))
    assert rows[0] == ["source_table", "source_key", "reasons", "source_updated_at", "quarantined_at", "run_id",
                       "payload"]
    open_ids = world.wh("SELECT source_id::text FROM audit.quarantine WHERE released_at IS NULL "
                        "AND source_table = 'crm.customers' ORDER BY quarantined_at, quarantine_id")
    assert [r[1] for r in rows[1:]] == [r[0] for r in open_ids] and {r[0] for r in rows[1:]} == {"crm.customers"}
    assert all(json.loads(r[6]) for r in rows[1:])


def test_the_page_draws_in_the_airflow_ui_and_downloads_the_open_rows(world, server, tmp_path):
    (tmp_path / "downloads").mkdir()
    chrome = headless_browser.chromium(tmp_path / "profile", downloads=tmp_path / "downloads", height=3200)
    try:
        headless_browser.login(chrome, server, USER, PASSWORD)
        chrome.get(f"{server}/plugin/data-quality")
        frame = WebDriverWait(chrome, 30).until(lambda d: next(
            (f for f in d.find_elements(By.TAG_NAME, "iframe") if f"{PREFIX}/" in f.get_attribute("src")), None))
        chrome.switch_to.frame(frame)
        settled(chrome)
        assert Select(chrome.find_element(By.ID, "dag_id")).first_selected_option.text == DAG_ID
        checks = chrome.find_elements(By.CSS_SELECTOR, "#checks tbody tr")
        [(logged,)] = world.wh("SELECT count(DISTINCT \"check\") FROM audit.data_quality_log WHERE run_id = %s",
                               (world.last.run_id,))
        assert len(checks) == logged
        assert [b.text for b in chrome.find_elements(By.CSS_SELECTOR, "#reconciliation .badge")] == ["pass"] * 5
        tables = [t.get_attribute("data-table") for t in chrome.find_elements(By.CSS_SELECTOR, "table.profile")]
        assert tables == sorted(t.name for t in TABLES)
        spark = chrome.find_element(By.CSS_SELECTOR, "table.profile[data-table=customers] tr[data-column=email] svg")
        history = [r[0] for r in world.wh("SELECT null_rate FROM audit.column_profile WHERE table_name = 'customers' "
                                          "AND column_name = 'email' ORDER BY profiled_at")]
        assert json.loads(spark.get_attribute("data-values")) == history

        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        chrome.save_screenshot(str(ARTIFACTS / "data_quality_page.png"))
        assert (ARTIFACTS / "data_quality_page.png").stat().st_size > 20_000

        chrome.find_element(By.ID, "quarantine-csv").click()
        path = downloaded(tmp_path / "downloads")
        assert path.name == "quarantine_crm_nightly.csv"
        rows = list(csv.reader(io.StringIO(path.read_bytes().decode("utf-8-sig"), newline="")))[1:]
        [(open_rows,)] = world.wh("SELECT count(*) FROM audit.quarantine WHERE released_at IS NULL")
        assert len(rows) == open_rows > 0
    finally:
        chrome.quit()


TABLES_BY = {t.name: list(t.columns) for t in TABLES}
