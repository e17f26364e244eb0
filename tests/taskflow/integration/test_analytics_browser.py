"""The Task analytics page in headless Chromium against the real `airflow api-server`: a real
login, the page inside the Airflow UI, KPI tiles, charts drawn with whole-number count axes (read
from the rendered tick labels), the health table's filters and sort, a CSV download.

Needs Debian's chromium and chromium-driver (`make test` installs them when missing)."""

from __future__ import annotations

import csv
import io
import os
import re
import time
from pathlib import Path

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select, WebDriverWait

from devtools import airflow_processes, headless_browser
from tests.taskflow.integration import analytics_world
from tests.taskflow.integration.analytics_world import TEAM_A

REPO = Path(__file__).resolve().parents[3]
ARTIFACTS = Path(os.environ.get("ETL_TEST_ARTIFACTS", REPO / ".local" / "test-artifacts"))
USER, PASSWORD = "lead", "Lead-pw-2026"
WHOLE = re.compile(r"\d{1,3}(,\d{3})*")


@pytest.fixture(scope="module")
def server(admin_uri, tmp_path_factory):
    home = tmp_path_factory.mktemp("task_analytics_server")
    with analytics_world.scratch_databases(admin_uri) as create:
        _, warehouse_url = analytics_world.build(create)
        _, metadata_url = create("t_tf_meta")
        env = airflow_processes.stack_env(home / "airflow", metadata_uri=metadata_url, warehouse_url=warehouse_url,
                                          users={USER: ("viewer", PASSWORD)})
        airflow_processes.migrate(env)
        with airflow_processes.api_server(env, home / "api-server.log") as (base, _):
            yield base


@pytest.fixture
def chrome(tmp_path):
    (tmp_path / "downloads").mkdir()
    driver = headless_browser.chromium(tmp_path / "profile", downloads=tmp_path / "downloads", height=3000)
    yield driver
    driver.quit()


def settled(driver) -> None:
    """Every request of the page answered and drawn."""
    WebDriverWait(driver, 30).until(lambda d: d.execute_script("return document.body.dataset.ready === '1'"))


def tick_labels(driver, chart: str, axis: str) -> list[str]:
    """The tick labels Plotly rendered on one axis ('x', 'y', 'y2') of a chart."""
    return driver.execute_script(
        "return [...document.querySelectorAll(`#${arguments[0]} .${arguments[1]}tick text`)].map((t) => t.textContent)",
        chart, axis)


def assert_whole_steps(labels: list[str]) -> list[int]:
    """Whole numbers from 0, in one step of at least 1: never 0.5, never 1.15622."""
    assert labels and all(WHOLE.fullmatch(label) for label in labels), labels
    values = [int(label.replace(",", "")) for label in labels]
    steps = {b - a for a, b in zip(values, values[1:], strict=False)}
    assert values[0] == 0 and len(steps) == 1 and min(steps) >= 1, values
    return values


def downloaded(folder: Path, timeout: float = 30) -> Path:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        files = list(folder.iterdir())
        if any(p.suffix == ".csv" for p in files) and not any(p.suffix == ".crdownload" for p in files):
            return next(p for p in files if p.suffix == ".csv")
        time.sleep(0.2)
    raise AssertionError(f"nothing downloaded into {folder}: {list(folder.iterdir())}")


def open_page(driver, base: str) -> None:
    """Through the Airflow UI's navigation entry, as a user finds it: the page is an iframe."""
    driver.get(f"{base}/plugin/task-analytics")
    frame = WebDriverWait(driver, 30).until(lambda d: next(
        (f for f in d.find_elements(By.TAG_NAME, "iframe") if "/task-analytics/" in f.get_attribute("src")), None))
    driver.switch_to.frame(frame)
    settled(driver)


def text(driver, element_id: str) -> str:
    return driver.find_element(By.ID, element_id).text


def test_the_page_draws_every_view_with_whole_number_axes_and_downloads_a_csv(server, chrome, tmp_path):
    chrome.get(f"{server}/task-analytics/")
    assert "Not authenticated" in chrome.page_source
    headless_browser.login(chrome, server, USER, PASSWORD)
    open_page(chrome, server)

    # KPI tiles of the latest night (hand-computed in test_analytics_api.py).
    assert Select(chrome.find_element(By.ID, "as_of_date")).first_selected_option.text == "2026-10-05"
    assert [text(chrome, f"kpi-{k}") for k in ("created", "completed", "on-time", "open", "overdue")] == [
        "7", "4", "66.7%", "23", "10"]
    assert text(chrome, "kpi-completed-delta").startswith("−1 vs the 7 days before (5)")

    # Created vs completed: 90 points a line, a day without events drawn at 0.
    created = chrome.execute_script("return document.getElementById('chart-trend').data[0].y")
    assert len(created) == 90 and sum(created) == 24 and created.count(0) == 83
    assert assert_whole_steps(tick_labels(chrome, "chart-trend", "y")) == [0, 2, 4, 6, 8]  # at most 9 a day
    assert assert_whole_steps(tick_labels(chrome, "chart-projects", "x")) == [0, 2, 4, 6, 8, 10]
    assert assert_whole_steps(tick_labels(chrome, "chart-teams", "x")) == [0, 2, 4, 6, 8, 10]
    assert assert_whole_steps(tick_labels(chrome, "chart-users", "x")) == [0, 2, 4, 6, 8]
    projects = chrome.execute_script("return document.getElementById('chart-projects').data[0].y")
    assert projects == ["=cmd", "Website 🌐", "project 104", "Back office"]
    users = chrome.execute_script("return document.getElementById('chart-users').data[0].y")
    assert len(users) == 10 and users[0] == f"Zoë Café 😀 ({TEAM_A})"

    # The night before: a count of 3 at most, where Plotly alone would step by 0.5.
    Select(chrome.find_element(By.ID, "as_of_date")).select_by_value("2026-10-04")
    settled(chrome)
    assert assert_whole_steps(tick_labels(chrome, "chart-users", "x")) == [0, 1, 2, 3]
    assert text(chrome, "kpi-open") == "23" and text(chrome, "kpi-overdue") == "9"
    assert len(chrome.find_elements(By.CSS_SELECTOR, "#health tbody tr")) == 4

    # The health table: back to the latest night, a team, a week of snapshots, sorted by open tasks.
    Select(chrome.find_element(By.ID, "as_of_date")).select_by_value("2026-10-05")
    settled(chrome)
    first = chrome.find_elements(By.CSS_SELECTOR, "#health tbody tr td")
    assert [td.text for td in first[:3]] == ["2026-10-05", "102", "Back office"]  # most overdue first
    Select(chrome.find_element(By.ID, "team")).select_by_value(TEAM_A)
    settled(chrome)
    chrome.execute_script("const e = document.getElementById('date_from'); e.value = '2026-10-01';"
                          "e.dispatchEvent(new Event('change'));")
    settled(chrome)
    chrome.find_element(By.CSS_SELECTOR, "#health th[data-column=open_tasks]").click()  # open tasks, most first
    settled(chrome)
    chrome.find_element(By.CSS_SELECTOR, "#health th[data-column=open_tasks]").click()  # then fewest first
    settled(chrome)
    rows = [[td.text for td in tr.find_elements(By.TAG_NAME, "td")]
            for tr in chrome.find_elements(By.CSS_SELECTOR, "#health tbody tr")]
    assert [(r[0], r[2], r[5]) for r in rows] == [("2026-10-01", "=cmd", "1"), ("2026-10-04", "=cmd", "11"),
                                                  ("2026-10-05", "=cmd", "12")]
    assert text(chrome, "health-count") == "3 project snapshots"

    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    chrome.save_screenshot(str(ARTIFACTS / "task_analytics_page.png"))
    assert (ARTIFACTS / "task_analytics_page.png").stat().st_size > 20_000

    link = chrome.find_element(By.CSS_SELECTOR, "a.csv[data-view=project_health]")
    assert "team=Core%2C+Platform" in link.get_attribute("href") and "sort=open_tasks" in link.get_attribute("href")
    link.click()
    path = downloaded(tmp_path / "downloads")
    assert path.name == "project_health_2026-10-01_2026-10-05.csv"
    raw = path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbfas_of_date,project_id,name,category,team,") and b"\r\n" in raw
    records = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"), newline="")))[1:]
    assert [(r[0], r[2], r[4], r[5]) for r in records] == [("2026-10-01", "'=cmd", TEAM_A, "1"),
                                                          ("2026-10-04", "'=cmd", TEAM_A, "11"),
                                                          ("2026-10-05", "'=cmd", TEAM_A, "12")]
