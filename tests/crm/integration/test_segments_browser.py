"""End to end in headless Chromium: the real `airflow api-server` on the embedded setup, a real
login, the page inside the Airflow UI, a filter change, a CSV download, a screenshot.

Needs Debian's chromium and chromium-driver (`make test` installs them when missing)."""

from __future__ import annotations

import csv
import datetime as dt
import io
import os
import shutil
import threading
import time
from pathlib import Path

import httpx
import psutil
import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select, WebDriverWait

from devtools import airflow_processes, headless_browser
from tests.crm.integration import segments_world
from tests.crm.integration.segments_world import NIGHTS

REPO = Path(__file__).resolve().parents[3]
ARTIFACTS = Path(os.environ.get("ETL_TEST_ARTIFACTS", REPO / ".local" / "test-artifacts"))
BIG_DATE, BIG_ROWS = dt.date(2000, 1, 1), 1_000_000


@pytest.fixture(scope="module")
def world(module_worlds):
    world = segments_world.build(module_worlds)
    # An old, huge snapshot for the export-memory check; the page opens on the latest one.
    world.wh("""INSERT INTO marts.customer_segments
                SELECT %s, g, g %% 400, 1 + g %% 30, round((g %% 100000) / 7.0, 2), 1 + g %% 5, 1 + g %% 5,
                       1 + g %% 5, (ARRAY['champion', 'loyal', 'at_risk', 'hibernating'])[1 + g %% 4]
                FROM generate_series(1, %s) g""", (BIG_DATE, BIG_ROWS))
    world.wh("INSERT INTO marts.segment_summary VALUES (%s, 'loyal', %s, 1, 0, NULL, NULL)", (BIG_DATE, BIG_ROWS))
    return world


@pytest.fixture(scope="module")
def server(world, module_worlds, tmp_path_factory):
    home = tmp_path_factory.mktemp("api_server")
    _, meta_url = module_worlds.database("t_meta")
    env = airflow_processes.stack_env(home / "airflow", metadata_uri=meta_url, warehouse_url=world.warehouse_url,
                                  users={"analyst": ("viewer", "Analyst-pw-1")})
    airflow_processes.migrate(env)
    with airflow_processes.api_server(env, home / "api-server.log") as (base, proc):
        yield base, proc


@pytest.fixture
def browser(tmp_path):
    downloads = tmp_path / "downloads"
    downloads.mkdir()
    driver = headless_browser.chromium(tmp_path / "profile", downloads=downloads, height=2600)
    driver.downloads = downloads
    yield driver
    driver.quit()


def _ready(driver, timeout: float = 30) -> None:
    WebDriverWait(driver, timeout).until(
        lambda d: d.execute_script("return document.body && document.body.dataset.ready === '1'"))


def _digits(text: str) -> int:
    return int("".join(ch for ch in text if ch.isdigit()))


def _downloaded(folder: Path, timeout: float = 30) -> Path:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        done = [p for p in folder.iterdir() if p.suffix == ".csv"]
        if done and not any(p.suffix == ".crdownload" for p in folder.iterdir()):
            return done[0]
        time.sleep(0.2)
    raise AssertionError(f"no CSV downloaded into {folder}: {list(folder.iterdir())}")


def test_analyst_logs_in_filters_and_downloads_a_csv(server, world, browser):
    base, _ = server
    browser.get(f"{base}/segments/")
    assert "Not authenticated" in browser.page_source  # anonymous: refused

    headless_browser.login(browser, base, "analyst", "Analyst-pw-1")

    # The page through the Airflow UI's navigation entry, as an analyst finds it.
    browser.get(f"{base}/plugin/segments")
    frame = WebDriverWait(browser, 30).until(
        lambda d: next((f for f in d.find_elements(By.TAG_NAME, "iframe") if "/segments/" in f.get_attribute("src")),
                       None))
    browser.switch_to.frame(frame)
    _ready(browser)
    latest = NIGHTS[-1]
    customers = world.wh("SELECT count(*) FROM marts.customer_segments WHERE as_of_date = %s", (latest,))[0][0]
    assert Select(browser.find_element(By.ID, "as_of_date")).first_selected_option.get_attribute("value") == str(latest)
    assert _digits(browser.find_element(By.ID, "kpi-customers").text) == customers
    assert str(NIGHTS[-2]) in browser.find_element(By.ID, "movement-since").text
    assert len(browser.find_elements(By.CSS_SELECTOR, "#customers tbody tr")) == min(50, customers)
    segments_drawn = browser.execute_script("return document.getElementById('chart-size').data[0].y.length")
    assert segments_drawn == world.wh("SELECT count(*) FROM marts.segment_summary WHERE as_of_date = %s",
                                      (latest,))[0][0]

    # A filter changes the trend to that country's rows.
    Select(browser.find_element(By.ID, "country")).select_by_value("DE")
    _ready(browser)
    window = (latest - dt.timedelta(days=89), latest)
    de_orders = world.wh("SELECT coalesce(sum(orders), 0) FROM marts.daily_sales WHERE country_code = 'DE' "
                         "AND sale_date BETWEEN %s AND %s", window)[0][0]
    drawn = browser.execute_script("return document.getElementById('chart-sales').data[1].y.reduce((a, b) => a + b, 0)")
    assert drawn == de_orders > 0

    # Sorting the table by a header.
    browser.find_element(By.CSS_SELECTOR, "#customers th[data-column=frequency]").click()
    _ready(browser)
    top = browser.find_element(By.CSS_SELECTOR, "#customers tbody tr td:nth-child(4)").text
    assert int(top) == world.wh("SELECT max(frequency) FROM marts.customer_segments WHERE as_of_date = %s",
                                (latest,))[0][0]

    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    shot = ARTIFACTS / "segments_page.png"
    browser.save_screenshot(str(shot))
    assert shot.stat().st_size > 20_000

    # Download the filtered daily sales.
    link = browser.find_element(By.CSS_SELECTOR, "a.download[data-view=daily_sales]")
    assert "country=DE" in link.get_attribute("href")
    link.click()
    path = _downloaded(browser.downloads)
    assert path.name == f"daily_sales_{window[0]}_{window[1]}.csv"
    raw = path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbfsale_date,country_code,channel,")
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"), newline="")))[1:]
    expected = world.wh("SELECT count(*) FROM marts.daily_sales WHERE country_code = 'DE' "
                        "AND sale_date BETWEEN %s AND %s", window)[0][0]
    assert len(rows) == expected > 0 and {r[1] for r in rows} == {"DE"}
    shutil.copy(path, ARTIFACTS / path.name)


def _tree_rss(proc: psutil.Process) -> int:
    total = 0
    for p in [proc, *proc.children(recursive=True)]:
        try:
            total += p.memory_info().rss
        except psutil.NoSuchProcess:
            pass
    return total


def test_a_million_row_export_keeps_the_server_memory_flat(server):
    base, proc = server
    token = airflow_processes.token(base, "analyst", "Analyst-pw-1")
    headers = {"Authorization": f"Bearer {token}"}
    url = f"{base}/segments/export/customer_segments.csv"
    params = {"as_of_date": str(BIG_DATE), "sort": "customer_id", "direction": "asc"}
    server_proc = psutil.Process(proc.pid)
    httpx.get(url, params={**params, "segment": "champion"}, headers=headers, timeout=60)  # warm up
    baseline = _tree_rss(server_proc)
    peak, stop = [baseline], threading.Event()

    def sample():
        while not stop.is_set():
            peak[0] = max(peak[0], _tree_rss(server_proc))
            time.sleep(0.02)

    sampler = threading.Thread(target=sample)
    sampler.start()
    records, size = 0, 0
    try:
        with httpx.stream("GET", url, params=params, headers=headers, timeout=120) as response:
            assert response.status_code == 200
            for chunk in response.iter_bytes():
                records += chunk.count(b"\r\n")
                size += len(chunk)
    finally:
        stop.set()
        sampler.join()
    assert records == BIG_ROWS + 1
    assert size > 40_000_000
    growth = peak[0] - baseline
    assert growth < 40_000_000, f"api-server grew {growth / 1e6:.0f} MB while streaming {size / 1e6:.0f} MB"
