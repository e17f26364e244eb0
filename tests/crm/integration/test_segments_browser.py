"""End to end in headless Chromium: the real `airflow api-server` on the embedded setup, a real
login, the page inside the Airflow UI, a filter change, a CSV download, a screenshot.

Needs Debian's chromium and chromium-driver (`make test` installs them when missing)."""

from __future__ import annotations

import csv
import datetime as dt
import io
import os
import re
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
# A quiet fortnight long before the demo's sales: a few orders on some days, none on the others,
# revenue that is no round multiple of them (the shape that gave the orders axis 0.500019, 1.00004).
QUIET_SALES = {dt.date(2001, 3, 1): (1, "123.45"), dt.date(2001, 3, 2): (3, "9876.50"), dt.date(2001, 3, 5): (2, "4321.09"),
               dt.date(2001, 3, 9): (1, "77.70")}
QUIET_DAYS = [dt.date(2001, 3, 1) + dt.timedelta(days=n) for n in range(10)]


@pytest.fixture(scope="module")
def world(module_worlds):
    world = segments_world.build(module_worlds)
    # An old, huge snapshot for the export-memory check; the page opens on the latest one.
    world.wh("""INSERT INTO marts.customer_segments
                SELECT %s, g, g %% 400, 1 + g %% 30, round((g %% 100000) / 7.0, 2), 1 + g %% 5, 1 + g %% 5,
                       1 + g %% 5, (ARRAY['champion', 'loyal', 'at_risk', 'hibernating'])[1 + g %% 4]
                FROM generate_series(1, %s) g""", (BIG_DATE, BIG_ROWS))
    world.wh("INSERT INTO marts.segment_summary VALUES (%s, 'loyal', %s, 1, 0, NULL, NULL)", (BIG_DATE, BIG_ROWS))
    for day, (orders, revenue) in QUIET_SALES.items():
        world.wh("INSERT INTO marts.daily_sales VALUES (%s, 'DE', 'web', %s, %s, %s, %s)",
                 (day, orders, orders, revenue, orders))
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

    window = (latest - dt.timedelta(days=89), latest)
    _assert_whole_number_orders_axis(browser)
    # The other counts too: customers per segment from 0, and the movement's colour bar (1 or 2 a cell here).
    assert _whole_steps(_labels(browser, "#chart-size .ytick text"))[0] == 0
    assert _whole_steps(_labels(browser, "#chart-movement .colorbar g[class$=tick] text"))

    # A filter changes the trend to that country's rows.
    Select(browser.find_element(By.ID, "country")).select_by_value("DE")
    _ready(browser)
    de_orders = world.wh("SELECT coalesce(sum(orders), 0) FROM marts.daily_sales WHERE country_code = 'DE' "
                         "AND sale_date BETWEEN %s AND %s", window)[0][0]
    drawn = browser.execute_script("return document.getElementById('chart-sales').data[1].y.reduce((a, b) => a + b, 0)")
    assert drawn == de_orders > 0
    # Every day of the window is a point; a day without a DE sale is drawn at 0, not bridged.
    x, y = browser.execute_script("const d = document.getElementById('chart-sales').data; return [d[0].x, d[0].y]")
    assert x == [str(window[0] + dt.timedelta(days=n)) for n in range(90)]
    de_days = world.wh("SELECT count(DISTINCT sale_date) FROM marts.daily_sales WHERE country_code = 'DE' "
                       "AND sale_date BETWEEN %s AND %s", window)[0][0]
    assert y.count(0) == 90 - de_days > 0
    _assert_whole_number_orders_axis(browser)

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

    # The quiet fortnight: each of the 10 days is a point, 0 on the six without a sale, and the
    # orders axis steps 0, 1, 2, 3.
    for field, day in (("date_from", QUIET_DAYS[0]), ("date_to", QUIET_DAYS[-1])):
        browser.execute_script("const e = document.getElementById(arguments[0]); e.value = arguments[1];"
                               "e.dispatchEvent(new Event('change'));", field, str(day))
        _ready(browser)
    x, orders = browser.execute_script("const d = document.getElementById('chart-sales').data; return [d[1].x, d[1].y]")
    assert x == [str(day) for day in QUIET_DAYS]
    assert orders == [QUIET_SALES.get(day, (0,))[0] for day in QUIET_DAYS] == [1, 3, 0, 0, 2, 0, 0, 0, 1, 0]
    assert _assert_whole_number_orders_axis(browser) == [0, 1, 2, 3]


def _labels(driver, selector: str) -> list[str]:
    return driver.execute_script("return [...document.querySelectorAll(arguments[0])].map((t) => t.textContent)",
                                 selector)


def _whole_steps(labels: list[str]) -> list[int]:
    """Tick labels as rendered: whole numbers in one step of at least 1."""
    assert len(labels) >= 2 and all(re.fullmatch(r"\d{1,3}(,\d{3})*", label) for label in labels), labels
    ticks = [int(label.replace(",", "")) for label in labels]
    assert len({b - a for a, b in zip(ticks, ticks[1:], strict=False)}) == 1 and ticks[1] - ticks[0] >= 1, ticks
    return ticks


def _assert_whole_number_orders_axis(driver) -> list[int]:
    """The orders axis: whole numbers from 0 (it used to read 1.15622, 2.31263, ...)."""
    ticks = _whole_steps(_labels(driver, "#chart-sales .y2tick text"))
    assert ticks[0] == 0, ticks
    return ticks


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
