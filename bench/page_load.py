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

from devtools import airflow_processes, embedded_pg, headless_browser


def measure(warehouse_url: str, loads: int) -> dict:
    from selenium.webdriver.support.ui import WebDriverWait

    meta = embedded_pg.ensure_database("bench_airflow_meta", recreate=True)
    with tempfile.TemporaryDirectory() as tmp:
        env = airflow_processes.stack_env(Path(tmp) / "airflow", metadata_uri=meta, warehouse_url=warehouse_url,
                                          users={"analyst": ("viewer", "bench-pw")})
        airflow_processes.migrate(env)
        with airflow_processes.api_server(env, Path(tmp) / "api.log") as (base, _):
            driver = headless_browser.chromium(Path(tmp) / "profile")
            try:
                headless_browser.login(driver, base, "analyst", "bench-pw")
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
