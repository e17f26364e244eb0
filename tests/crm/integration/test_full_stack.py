"""The native full stack, used the way a user uses it: the Airflow components of
docker-compose.yaml as separate processes (LocalExecutor, metadata in PostgreSQL), a run
triggered through the REST API with a token, a 3-night `airflow backfill create`, the
segments page read through the api-server, and audience_handoff started by the scheduler on
crm_nightly's asset event, delivering to the loopback marketing platform.

Slow (a few minutes): every task is a real Airflow task process."""

from __future__ import annotations

import datetime as dt
import json
import subprocess
import sys
import time
from contextlib import ExitStack, contextmanager

import httpx
import pytest

from devtools import airflow_processes, demo_crm
from devtools.lineage_receiver import lineage_receiver
from devtools.marketing_platform import MarketingPlatform
from include.crm.contracts import SOURCE_POOL, SOURCE_POOL_SLOTS
from include.warehouse_kit import lineage
from tests.audience.integration.conftest import VIP, expected_audience
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
    platform = MarketingPlatform(token="full-stack").start()
    receiver = ExitStack()  # closed with the platform, after the components stop
    transport, lineage_events = receiver.enter_context(lineage_receiver())
    campaigns = home / "campaigns.yaml"
    campaigns.write_text(json.dumps({"campaigns": [VIP]}))  # JSON is YAML
    env = airflow_processes.stack_env(home / "airflow", metadata_uri=meta_url, warehouse_url=world.warehouse_url,
                                      source_url=world.source_url, users={USER: ("op", PASSWORD)}, extra={
                                          # runs only when asked (REST, backfill), never for "yesterday";
                                          # asset-triggered runs wait for `asset_scheduling`
                                          "AIRFLOW__SCHEDULER__USE_JOB_SCHEDULE": "False",
                                          "ETL_TASK_RETRIES": "1", "ETL_RETRY_DELAY_SECONDS": "5",
                                          "AIRFLOW_CONN_MARKETING_API": platform.connection_uri(),
                                          "ETL_CAMPAIGNS_FILE": str(campaigns),
                                          # OpenLineage events of every task, to the loopback receiver
                                          "AIRFLOW__OPENLINEAGE__TRANSPORT": transport,
                                      })
    airflow_processes.migrate(env)
    _airflow(env, "pools", "set", SOURCE_POOL, str(SOURCE_POOL_SLOTS), "CRM source")
    with airflow_processes.native_stack(env, home / "logs") as components:
        client = httpx.Client(base_url=components.base, timeout=30)
        client.headers["Authorization"] = f"Bearer {airflow_processes.token(components.base, USER, PASSWORD)}"
        _wait("crm_nightly parsed by the dag-processor", lambda: client.get("/api/v2/dags/crm_nightly").status_code == 200,
              timeout=180)
        _wait("audience_handoff parsed", lambda: client.get("/api/v2/dags/audience_handoff").status_code == 200,
              timeout=180)
        for dag_id in ("crm_nightly", "audience_handoff"):
            assert client.patch(f"/api/v2/dags/{dag_id}", json={"is_paused": False}).status_code == 200
        yield world, env, client, home, platform, components, lineage_events
    platform.stop()
    receiver.close()


@contextmanager
def asset_scheduling(client, components):
    """The scheduler creates asset-triggered runs only when it schedules DAGs at all, which would
    also start crm_nightly's latest real night: crm_nightly is paused meanwhile (its queued asset
    events are kept), and the scheduler goes back to runs on request afterwards."""
    assert client.patch("/api/v2/dags/crm_nightly", json={"is_paused": True}).status_code == 200
    components.restart("scheduler", AIRFLOW__SCHEDULER__USE_JOB_SCHEDULE="True")
    try:
        yield
    finally:
        components.restart("scheduler")
        assert client.patch("/api/v2/dags/crm_nightly", json={"is_paused": False}).status_code == 200


def _run_state(client, run_id: str) -> str:
    return client.get(f"/api/v2/dags/crm_nightly/dagRuns/{run_id}").json()["state"]


def _handoff_runs(client) -> list[dict]:
    return client.get("/api/v2/dags/audience_handoff/dagRuns", params={"order_by": "run_after"}).json()["dag_runs"]


def test_a_run_triggered_through_the_rest_api_succeeds(stack):
    world, _, client, home, *_ = stack
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


def _completed(events: list[dict], job: str) -> dict | None:
    return next((e for e in events if e.get("eventType") == "COMPLETE" and e["job"]["name"] == job), None)


def test_the_run_reports_each_tasks_datasets_to_openlineage(stack):
    world, _, _, _, _, _, events = stack
    endpoint = lineage.postgres_endpoint(world.warehouse_url)
    namespace = f"postgres://{endpoint.host}:{endpoint.port}"
    # the listener sends from each task's process as the task ends: the events may trail the run
    load = _wait("load_order_items' lineage", lambda: _completed(events, "crm_nightly.load.load_order_items"), timeout=60)
    assert {(d["namespace"], d["name"]) for d in load["inputs"]} == {
        (namespace, f"{endpoint.database}.staging.order_items"), (namespace, f"{endpoint.database}.staging.rejects")}
    assert (namespace, f"{endpoint.database}.core.fact_order_lines") in {
        (d["namespace"], d["name"]) for d in load["outputs"]}
    marts = _wait("build_marts' lineage", lambda: _completed(events, "crm_nightly.marts.build_marts"), timeout=60)
    assert {d["name"] for d in marts["outputs"]} == {
        f"{endpoint.database}.marts.{m}" for m in ("customer_segments", "segment_summary", "segment_movement",
                                                  "daily_sales")}
    source = lineage.postgres_endpoint(world.source_url)
    extract = _completed(events, "crm_nightly.extract.extract_orders")
    assert [(d["namespace"], d["name"]) for d in extract["inputs"]] == [
        (f"postgres://{source.host}:{source.port}", f"{source.database}.crm.orders")]


def test_the_crm_run_s_asset_event_starts_audience_handoff_which_delivers_its_snapshot(stack):
    world, _, client, home, platform, components, _ = stack
    [crm_run] = client.get("/api/v2/dags/crm_nightly/dagRuns").json()["dag_runs"]
    assert crm_run["state"] == "success"
    assert _handoff_runs(client) == []  # the event waits in the queue until DAGs are scheduled

    def handed_off():
        runs = _handoff_runs(client)
        return runs and all(r["state"] in ("success", "failed") for r in runs) and runs

    with asset_scheduling(client, components):
        [run] = _wait("the asset-triggered audience_handoff run", handed_off, timeout=600)
    assert run["run_type"] == "asset_triggered" and run["state"] == "success", (
        (home / "logs" / "scheduler.log").read_text()[-3000:])
    events = client.get(f"/api/v2/dags/audience_handoff/dagRuns/{run['dag_run_id']}/upstreamAssetEvents").json()
    assert [(e["extra"], e["source_task_id"]) for e in events["asset_events"]] == [
        ({"as_of_date": str(FIRST), "dag_id": "crm_nightly", "run_id": crm_run["dag_run_id"]}, "finish_success")]
    assert world.wh("SELECT as_of_date, chosen_by, source_run_id FROM audit.handoff_runs WHERE run_id = %s",
                    (run["dag_run_id"],)) == [(FIRST, "asset_event", crm_run["dag_run_id"])]
    expected = expected_audience(world, VIP, FIRST)
    assert expected and platform.members("vip") == expected
    assert world.wh("SELECT status, upserted FROM audit.handoff_log WHERE run_id = %s",
                    (run["dag_run_id"],)) == [("success", len(expected))]


def test_a_three_night_backfill_completes_and_the_page_shows_it(stack):
    world, env, client, home, platform, components, _ = stack
    _airflow(env, "backfill", "create", "--dag-id", "crm_nightly", "--from-date", str(BACKFILL[0]),
             "--to-date", str(BACKFILL[1]), "--reprocess-behavior", "failed")

    def finished():
        runs = client.get("/api/v2/dags/crm_nightly/dagRuns", params={"run_type": "backfill"}).json()["dag_runs"]
        states = [r["state"] for r in runs]
        return len(runs) == 3 and all(s in ("success", "failed") for s in states) and runs

    runs = _wait("the backfill", finished, timeout=900)
    assert [r["state"] for r in runs] == ["success"] * 3, (home / "logs" / "scheduler.log").read_text()[-3000:]
    nights = [BACKFILL[0] + dt.timedelta(days=n) for n in range(3)]
    assert world.wh("SELECT business_date, status FROM audit.etl_run_log WHERE dag_id = 'crm_nightly' "
                    "ORDER BY business_date") == [
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

    # The backfill's events queue audience_handoff. Airflow gives the run it creates the events
    # up to the moment the queue row was made, here the first backfilled night's (the later ones
    # wait for the next run). The run hands off the newest of its events' snapshots.
    def handed_off():
        runs = [r for r in _handoff_runs(client) if r["dag_run_id"] != first_handoff]
        return runs and all(r["state"] in ("success", "failed") for r in runs) and runs

    [first_handoff] = [r["dag_run_id"] for r in _handoff_runs(client)]
    with asset_scheduling(client, components):
        [run] = _wait("the handoff of the backfill", handed_off, timeout=600)
    assert run["run_type"] == "asset_triggered" and run["state"] == "success"
    events = client.get(f"/api/v2/dags/audience_handoff/dagRuns/{run['dag_run_id']}/upstreamAssetEvents").json()
    handed = max(dt.date.fromisoformat(e["extra"]["as_of_date"]) for e in events["asset_events"])
    assert handed in nights
    assert world.wh("SELECT as_of_date, chosen_by FROM audit.handoff_runs WHERE run_id = %s",
                    (run["dag_run_id"],)) == [(handed, "asset_event")]
    assert platform.members("vip") == expected_audience(world, VIP, handed)
