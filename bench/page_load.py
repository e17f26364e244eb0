"""Page load of the segments page in headless Chromium against a real `airflow api-server`,
from navigation to every chart and table drawn (p50 / p95 over repeated loads).

    python -m bench.page_load [--warehouse URI] [--loads 15]

Defaults to the benchmark's warehouse (`make bench` leaves it on the embedded server).
"""

from __future__ import annotations

import argparse
import json
import statistics
import tempfile
from pathlib import Path

from include.crm_etl import airflow_processes, embedded_pg

CHROMIUM, CHROMEDRIVER = "/usr/bin/chromium", "/usr/bin/chromedriver"


def measure(warehouse_url: str, loads: int) -> dict:
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    meta = embedded_pg.ensure_database("bench_airflow_meta", recreate=True)
    with tempfile.TemporaryDirectory() as tmp:
        env = airflow_processes.stack_env(Path(tmp) / "airflow", metadata_uri=meta, warehouse_url=warehouse_url,
                                      users={"analyst": ("viewer", "bench-pw")})
        airflow_processes.migrate(env)
        with airflow_processes.api_server(env, Path(tmp) / "api.log") as (base, _):
            options = webdriver.ChromeOptions()
            options.binary_location = CHROMIUM
            for flag in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                         "--no-first-run", "--disable-background-networking", "--window-size=1400,1000",
                         f"--user-data-dir={tmp}/profile"):
                options.add_argument(flag)
            driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
            try:
                driver.get(f"{base}/auth/login?next=/")
                WebDriverWait(driver, 30).until(lambda d: d.find_elements(By.NAME, "username"))
                driver.find_element(By.NAME, "username").send_keys("analyst")
                driver.find_element(By.NAME, "password").send_keys("bench-pw")
                driver.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
                WebDriverWait(driver, 30).until(lambda d: d.get_cookie("_token"))
                samples = []
                for n in range(loads + 1):
                    driver.get(f"{base}/segments/")
                    WebDriverWait(driver, 60).until(
                        lambda d: d.execute_script("return document.body.dataset.ready === '1'"))
                    ms = driver.execute_script("return performance.now()")
                    if n:  # the first load fills the browser cache, as an analyst's first visit does
                        samples.append(ms)
            finally:
                driver.quit()
    samples.sort()
    return {"loads": loads, "p50_ms": round(statistics.median(samples)),
            "p95_ms": round(samples[min(len(samples) - 1, int(0.95 * len(samples)))]), "max_ms": round(samples[-1])}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--warehouse", default=None, help="postgresql:// URI (default: the bench warehouse)")
    parser.add_argument("--loads", type=int, default=15)
    args = parser.parse_args(argv)
    embedded_pg.start()
    print(json.dumps(measure(args.warehouse or embedded_pg.base_uri("bench_warehouse"), args.loads)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
