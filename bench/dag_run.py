"""The nightly ETL at scale as Airflow runs it: crm_nightly on the real scheduler.

`python -m bench.dag_run` builds a seeded world, starts the Airflow components as local
processes (api-server, scheduler with LocalExecutor, dag-processor, triggerer; metadata in
PostgreSQL), triggers the full-load night and then nightly incrementals through the REST API,
and reads every task instance back. It reports, per run:

- DAG time: first task start to last task end (what the full-load target counts);
- task time: the sum of the task instances' durations (what the incremental target counts);
- each task's duration as Airflow recorded it.

`make bench` runs it after the stage-by-stage measurements and puts it in docs/benchmarks.md;
alone, it writes bench/results_dag.json. `prepare`, `running` and `run_night` are the machinery
(a migrated metadata database, every source pool, the components, a warm-up task) that
bench.taskflow uses for taskflow_nightly.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx

from bench.world import CUSTOMERS_PER_SCALE, init_world, settle, tick_world
from devtools import airflow_processes, embedded_pg
from devtools.local_env import SOURCE_POOLS
from include.crm.pipeline import PIPELINE

REPO = Path(__file__).resolve().parents[1]
USER, PASSWORD = "bench", "Bench-pw-1"
# The LocalExecutor's slots: one task per core. Airflow's default (32) runs every ready task at
# once; on 2 cores, with the warehouse on the same machine, they only wait for each other, and
# each waits inside its own duration.
TASK_SLOTS = os.cpu_count() or 1


def _wait(what: str, check, timeout: float, every: float = 1.0):
    deadline = time.monotonic() + timeout
    while not (result := check()):
        if time.monotonic() > deadline:
            raise SystemExit(f"timed out waiting for {what}")
        time.sleep(every)
    return result


def _ts(value: str) -> dt.datetime:
    return dt.datetime.fromisoformat(value.replace("Z", "+00:00"))


def _unpause(client: httpx.Client, dag_id: str) -> None:
    """Wait until the dag-processor has parsed `dag_id`, then unpause it."""
    _wait(f"{dag_id} parsed", lambda: client.get(f"/api/v2/dags/{dag_id}").status_code == 200, 300)
    client.patch(f"/api/v2/dags/{dag_id}", json={"is_paused": False}).raise_for_status()


def _run_dag(client: httpx.Client, dag_id: str, logical_date: str | None, timeout: float) -> tuple[str, str, list]:
    """Trigger `dag_id`, wait until the run ends; returns (run_id, state, its task instances)."""
    response = client.post(f"/api/v2/dags/{dag_id}/dagRuns", json={"logical_date": logical_date, "conf": {}})
    response.raise_for_status()
    run_id = response.json()["dag_run_id"]

    def done():
        state = client.get(f"/api/v2/dags/{dag_id}/dagRuns/{run_id}").json()["state"]
        return state in ("success", "failed") and state

    state = _wait(f"{dag_id} run {run_id}", done, timeout=timeout)
    tis = client.get(f"/api/v2/dags/{dag_id}/dagRuns/{run_id}/taskInstances",
                     params={"limit": 100}).json()["task_instances"]
    return run_id, state, tis


def run_night(client: httpx.Client, day: dt.date, label: str, source: str, warehouse: str,
              dag_id: str = PIPELINE.dag_id) -> dict:
    """Trigger business day `day` of `dag_id` (logical date day+1 02:00 UTC) and wait for it."""
    settle(source, warehouse)
    run_id, state, tis = _run_dag(client, dag_id, f"{day + dt.timedelta(days=1)}T02:00:00Z", 3600)
    ran = [t for t in tis if t["start_date"] and t["end_date"] and t["state"] == "success"]
    tasks = sorted(({"task": t["task_id"].split(".")[-1], "seconds": round(t["duration"], 2),
                     "start": t["start_date"], "end": t["end_date"], "try": t["try_number"]} for t in ran),
                   key=lambda t: t["start"])
    first = min((_ts(t["start"]) for t in tasks), default=None)
    last = max((_ts(t["end"]) for t in tasks), default=None)
    return {"scenario": label, "business_day": str(day), "state": state, "run_id": run_id,
            "dag_seconds": round((last - first).total_seconds(), 2) if tasks else None,
            "task_seconds": round(sum(t["seconds"] for t in tasks), 2), "tasks": tasks,
            "failed_tasks": [t["task_id"] for t in tis if t["state"] in ("failed", "upstream_failed")]}


def _dags_folder(folder: Path) -> Path:
    """The repository's DAG files (linked) plus the benchmark's warm-up DAG."""
    folder.mkdir(parents=True, exist_ok=True)
    for old in folder.glob("*.py"):
        old.unlink()
    for dag_file in [*(REPO / "dags").glob("*.py"), REPO / "bench" / "warmup_dag.py"]:
        (folder / dag_file.name).symlink_to(dag_file)
    return folder


def warm_up(client: httpx.Client) -> dict:
    """Run bench_warmup's no-op task once: the first task after the api-server starts pays a
    one-time delay that a running deployment paid long ago. Returns that task's record."""
    _unpause(client, "bench_warmup")
    _, state, tis = _run_dag(client, "bench_warmup", None, 300)
    return {"state": state, "noop_task_seconds": round(tis[0]["duration"] or 0, 2)}


def prepare(home: Path, meta_db: str, warehouse_db: str, extra: dict[str, str]) -> dict[str, str]:
    """The stack's environment on a fresh metadata database `meta_db`, migrated, with every
    source pool the DAGs name (the scheduler never schedules a task whose pool is missing).
    `extra` holds the pipeline's connections and settings (AIRFLOW_CONN_*, ETL_*)."""
    embedded_pg.ensure_database(meta_db, recreate=True)
    env = airflow_processes.stack_env(
        home, metadata_uri=embedded_pg.base_uri(meta_db), warehouse_url=embedded_pg.base_uri(warehouse_db),
        users={USER: ("admin", PASSWORD)},
        extra={"AIRFLOW__SCHEDULER__USE_JOB_SCHEDULE": "False", "ETL_TASK_RETRIES": "0",
               # as many tasks at once as the machine has cores (README, "Task slots: one task per core")
               "AIRFLOW__CORE__PARALLELISM": str(TASK_SLOTS),
               "AIRFLOW__CORE__DAGS_FOLDER": str(_dags_folder(home.parent / "dags")), **extra})
    airflow_processes.migrate(env)
    for pool, slots, description in SOURCE_POOLS:
        subprocess.run([sys.executable, "-m", "airflow", "pools", "set", pool, str(slots), description],
                       env=env, check=True, capture_output=True)
    return env


@contextmanager
def running(env: dict[str, str], home: Path, dag_id: str) -> Iterator[tuple[httpx.Client, dict]]:
    """The components up, the warm-up task run and `dag_id` unpaused: yields (an authenticated
    REST client, the warm-up's record)."""
    with airflow_processes.native_stack(env, home / "logs") as stack:
        client = httpx.Client(base_url=stack.base, timeout=30)
        client.headers["Authorization"] = f"Bearer {airflow_processes.token(stack.base, USER, PASSWORD)}"
        cold_start = warm_up(client)
        _unpause(client, dag_id)
        yield client, cold_start


def measure(customers: int, db_prefix: str = "benchdag", nights: int = 2) -> dict:
    """A fresh world of `customers`, the full load and `nights` incrementals through Airflow."""
    embedded_pg.start()
    first = dt.date(2026, 10, 1)
    crm_db, wh_db, meta_db = (f"{db_prefix}_{n}" for n in ("crm", "warehouse", "meta"))
    source = embedded_pg.ensure_database(crm_db, recreate=True)
    world = init_world(source, customers, first)
    warehouse = embedded_pg.ensure_database(wh_db, recreate=True)

    home = REPO / ".local" / "bench" / "airflow"
    env = prepare(home, meta_db, wh_db, {"AIRFLOW_CONN_CRM_SOURCE": embedded_pg.base_uri(crm_db)})
    scenarios = []
    with running(env, home, PIPELINE.dag_id) as (client, cold_start):
        scenarios.append(run_night(client, first - dt.timedelta(days=1), "full load", source, warehouse))
        for n in range(nights):
            day = first + dt.timedelta(days=n)
            tick_world(source, day)
            scenarios.append(run_night(client, day, "nightly incremental" if n == 0 else f"nightly incremental {n + 1}",
                                       source, warehouse))
    return {"world": world, "executor": "LocalExecutor", "task_slots": TASK_SLOTS, "cold_start": cold_start,
            "scenarios": scenarios}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--customers", type=int, default=CUSTOMERS_PER_SCALE)
    parser.add_argument("--db-prefix", default="benchdag")
    parser.add_argument("--nights", type=int, default=2, help="nightly incrementals after the full load")
    parser.add_argument("--out", type=Path, default=REPO / "bench" / "results_dag.json")
    args = parser.parse_args(argv)
    result = {"date": dt.date.today().isoformat(), "command": "python -m bench.dag_run " + " ".join(sys.argv[1:]),
              "machine": {"cores": os.cpu_count(), "python": platform.python_version()},
              **measure(args.customers, args.db_prefix, args.nights)}
    args.out.write_text(json.dumps(result, indent=2))
    print(f"warm-up: the first task after the stack started (a no-op) took {result['cold_start']['noop_task_seconds']} s")
    for s in result["scenarios"]:
        print(f"\n{s['scenario']} ({s['state']}): DAG time {s['dag_seconds']} s, task time {s['task_seconds']} s")
        for t in s["tasks"]:
            print(f"  {t['task']:<24}{t['seconds']:>8} s")
    return 0 if all(s["state"] == "success" for s in result["scenarios"]) else 1


if __name__ == "__main__":
    raise SystemExit(main())
