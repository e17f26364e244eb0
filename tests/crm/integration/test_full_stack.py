"""The native full stack, used the way a user uses it: the Airflow components of
docker-compose.yaml as separate processes (LocalExecutor, metadata in PostgreSQL), a run
triggered through the REST API with a token, a 3-night `airflow backfill create`, and the
segments page read through the api-server.

Slow (a few minutes): every task is a real Airflow task process."""

from __future__ import annotations

import datetime as dt
import subprocess
import sys
import time

import httpx
import pytest

from devtools import airflow_processes, demo_crm
from include.crm.contracts import SOURCE_POOL, SOURCE_POOL_SLOTS
from tests.crm.integration.warehouse_checks import conservation

FIRST = dt.date(2026, 10, 2)
BACKFILL = (dt.date(2026, 10, 3), dt.date(2026, 10, 5))
USER, PASSWORD = "operator", "Operator-pw-1"


def _airflow(env, *args) -> subprocess.CompletedProcess:
    done = subprocess.run([sys.executable, "-m", "airflow", *args], env=env, capture_output=True, text=True,
                          timeout=300)
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    return done


def _wait(what: str, check, timeout: float = 600, every: float = 2):
    deadline = time.monotonic() + timeout
    while True:
        result = check()
        if result:
            return result
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(every)


@pytest.fixture(scope="module")
def stack(module_worlds, tmp_path_factory):
    world = module_worlds(customers=300, end_date=FIRST)
    for day in (FIRST, *[BACKFILL[0] + dt.timedelta(days=n) for n in range(3)]):
        demo_crm.tick(world.source_uri, day=day, seed=7)
    home = tmp_path_factory.mktemp("full_stack")
    _, meta_url = module_worlds.database("t_meta")
    env = airflow_processes.stack_env(home / "airflow", metadata_uri=meta_url, warehouse_url=world.warehouse_url,
                                      source_url=world.source_url, users={USER: ("op", PASSWORD)}, extra={
                                          # runs only when asked (REST, backfill), never for "yesterday"
                                          "AIRFLOW__SCHEDULER__USE_JOB_SCHEDULE": "False",
                                          "ETL_TASK_RETRIES": "1", "ETL_RETRY_DELAY_SECONDS": "5",
                                      })
    airflow_processes.migrate(env)
    _airflow(env, "pools", "set", SOURCE_POOL, str(SOURCE_POOL_SLOTS), "CRM source")
    with airflow_processes.native_stack(env, home / "logs") as base:
        client = httpx.Client(base_url=base, timeout=30)
        client.headers["Authorization"] = f"Bearer {airflow_processes.token(base, USER, PASSWORD)}"
        _wait("crm_nightly parsed by the dag-processor", lambda: client.get("/api/v2/dags/crm_nightly").status_code == 200,
              timeout=180)
        assert client.patch("/api/v2/dags/crm_nightly", json={"is_paused": False}).status_code == 200
        yield world, env, client, home


def _run_state(client, run_id: str) -> str:
    return client.get(f"/api/v2/dags/crm_nightly/dagRuns/{run_id}").json()["state"]


def test_a_run_triggered_through_the_rest_api_succeeds(stack):
    world, _, client, home = stack
    assert httpx.get(str(client.base_url.join("/api/v2/dags"))).status_code == 401  # no token, no entry
    response = client.post("/api/v2/dags/crm_nightly/dagRuns",
                           json={"logical_date": f"{FIRST + dt.timedelta(days=1)}T02:00:00Z", "conf": {}})
    assert response.status_code == 200, response.text
    run = response.json()
    assert run["data_interval_start"].startswith(str(FIRST)) and run["data_interval_end"].startswith(
        str(FIRST + dt.timedelta(days=1)))
    state = _wait("the triggered run", lambda: _run_state(client, run["dag_run_id"]) in ("success", "failed")
                  and _run_state(client, run["dag_run_id"]))
    assert state == "success", (home / "logs" / "scheduler.log").read_text()[-3000:]
    assert world.wh("SELECT business_date, status FROM audit.etl_run_log") == [(FIRST, "success")]
    # The tasks' counts go to the task logs and the run log, never to XCom (one round trip each).
    xcoms = client.get(f"/api/v2/dags/crm_nightly/dagRuns/{run['dag_run_id']}/taskInstances/~/xcomEntries")
    assert xcoms.status_code == 200 and xcoms.json()["total_entries"] == 0, xcoms.text
    [(counts,)] = world.wh("SELECT table_counts FROM audit.etl_run_log")
    assert set(counts) == {"customers", "products", "orders", "order_items", "marts"}
    assert counts["orders"]["extracted"] > 0 and counts["marts"]["customer_segments"] > 0


def test_a_three_night_backfill_completes_and_the_page_shows_it(stack):
    world, env, client, home = stack
    _airflow(env, "backfill", "create", "--dag-id", "crm_nightly", "--from-date", str(BACKFILL[0]),
             "--to-date", str(BACKFILL[1]), "--reprocess-behavior", "failed")

    def finished():
        runs = client.get("/api/v2/dags/crm_nightly/dagRuns", params={"run_type": "backfill"}).json()["dag_runs"]
        states = [r["state"] for r in runs]
        return len(runs) == 3 and all(s in ("success", "failed") for s in states) and runs

    runs = _wait("the backfill", finished, timeout=900)
    assert [r["state"] for r in runs] == ["success"] * 3, (home / "logs" / "scheduler.log").read_text()[-3000:]
    nights = [BACKFILL[0] + dt.timedelta(days=n) for n in range(3)]
    assert world.wh("SELECT business_date, status FROM audit.etl_run_log ORDER BY business_date") == [
        (FIRST, "success"), *[(d, "success") for d in nights]]
    snapshots = [r[0] for r in world.wh("SELECT DISTINCT as_of_date FROM marts.customer_segments ORDER BY 1")]
    assert snapshots == [FIRST, *nights]
    conservation(world, through=dt.datetime.combine(nights[-1] + dt.timedelta(days=1), dt.time(0), dt.UTC))

    # The segments page, through the same api-server, sees the backfilled nights.
    page = client.get("/segments/")
    assert page.status_code == 200 and "Customer segments" in page.text
    choices = client.get("/segments/api/choices").json()
    assert choices["as_of_dates"] == [str(d) for d in reversed([FIRST, *nights])]
    kpis = client.get("/segments/api/kpis", params={"as_of_date": str(nights[1])}).json()
    assert kpis["customers"] == world.wh("SELECT count(*) FROM marts.customer_segments WHERE as_of_date = %s",
                                         (nights[1],))[0][0]
