"""Faults in the middle of a load: the task's process killed (SIGKILL) inside a COPY and inside
the merge, and the warehouse connection cut mid-merge. After the retry the conservation
guarantee holds and the warehouse equals the one a clean run of the same night produces.

Each step runs in a process of its own (bench/stage.py, as Airflow runs a task); the test
watches pg_stat_activity for the victim's statement and strikes while it is running."""

from __future__ import annotations

import datetime as dt
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import psycopg
import pytest

from bench.run import STEPS
from devtools import demo_crm
from tests.crm.integration.warehouse_checks import conservation, dimension_invariants, snapshot

REPO = Path(__file__).resolve().parents[3]
DAY = dt.date(2026, 10, 5)
VICTIM = "crm_etl_fault_victim"


def spec(run_id: str) -> str:
    start = dt.datetime.combine(DAY, dt.time(0), dt.UTC)
    return json.dumps({"run_id": run_id, "start": start.isoformat(),
                       "end": (start + dt.timedelta(days=1)).isoformat()})


def stage(world, step: str, run_id: str, *, victim: bool = False) -> subprocess.Popen:
    env = {**os.environ, "PYTHONPATH": str(REPO), **({"PGAPPNAME": VICTIM} if victim else {})}
    return subprocess.Popen([sys.executable, "-m", "bench.stage", step, world.source_uri, world.warehouse_uri,
                             spec(run_id)], cwd=REPO, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                            text=True)


def run_stage(world, step: str, run_id: str) -> None:
    proc = stage(world, step, run_id)
    _, err = proc.communicate(timeout=300)
    assert proc.returncode == 0, f"{step}: {err[-2000:]}"


def strike(world, proc: subprocess.Popen, statement: str, action: str) -> str:
    """Wait until the victim runs `statement` (a prefix), then SIGKILL it or cut its connection."""
    with psycopg.connect(world.warehouse_uri, autocommit=True) as watcher:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            row = watcher.execute("SELECT pid, query FROM pg_stat_activity WHERE application_name = %s "
                                  "AND state = 'active' AND query LIKE %s", (VICTIM, f"%{statement}%")).fetchone()
            if row:
                if action == "kill":
                    os.kill(proc.pid, signal.SIGSTOP)  # frozen mid-statement: it cannot finish first
                    os.kill(proc.pid, signal.SIGKILL)
                else:
                    watcher.execute("SELECT pg_terminate_backend(%s)", (row[0],))
                proc.wait(timeout=60)
                return row[1]
            if proc.poll() is not None:
                pytest.fail(f"the step finished before `{statement}` was caught; grow the world")
            time.sleep(0.0005)
    pytest.fail(f"`{statement}` never ran")


@pytest.fixture
def worlds(world_factory):
    clean, faulty = (world_factory(customers=8000, end_date=DAY, seed=5) for _ in range(2))
    for world in (clean, faulty):
        demo_crm.tick(world.source_uri, day=DAY, seed=5)
    clean.night(DAY)
    return clean, faulty


@pytest.mark.parametrize(("step", "statement", "action"), [
    ("load_customers", 'COPY "tmp_valid"', "kill"),                         # SIGKILL inside a COPY
    ("load_order_items", "INSERT INTO core.fact_order_lines", "kill"),      # SIGKILL inside the merge
    ("load_orders", "INSERT INTO core.fact_orders", "cut"),                 # connection cut mid-merge
])
def test_a_load_struck_mid_statement_then_retried_equals_a_clean_run(worlds, step, statement, action):
    clean, faulty = worlds
    run_id = "fault_run"
    steps = list(STEPS)
    for before in steps[:steps.index(step)]:
        run_stage(faulty, before, run_id)
    target = step.removeprefix("load_")
    table = {"customers": "dim_customer", "orders": "fact_orders", "order_items": "fact_order_lines"}[target]
    before_strike = faulty.wh(f"SELECT count(*) FROM core.{table}")
    victim = stage(faulty, step, run_id, victim=True)
    caught = strike(faulty, victim, statement, action)
    assert victim.returncode != 0, "the struck task must fail"
    assert statement in caught
    # nothing of the struck transaction is visible, and the watermark did not move
    assert faulty.wh(f"SELECT count(*) FROM core.{table}") == before_strike
    assert faulty.wh("SELECT count(*) FROM audit.watermarks WHERE source_table = %s", (target,)) == [(0,)]
    # the retry, then the rest of the night
    for after in steps[steps.index(step):]:
        run_stage(faulty, after, run_id)
    assert snapshot(faulty, surrogate_keys=False, marts=True) == snapshot(clean, surrogate_keys=False, marts=True)
    through = dt.datetime.combine(DAY + dt.timedelta(days=1), dt.time(0), dt.UTC)
    conservation(faulty, through=through)
    dimension_invariants(faulty)


def test_an_unreachable_source_retries_with_backoff_then_fails_clearly_and_alerts(world_factory, tmp_path):
    from types import SimpleNamespace

    from devtools.alert_catchers import smtp_server
    from tests.crm.integration.test_airflow_cli import dags_test

    world = world_factory(customers=300, end_date=DAY)
    world.night(DAY - dt.timedelta(days=1))
    demo_crm.tick(world.source_uri, day=DAY, seed=5)
    before = snapshot(world, marts=True)
    unreachable = SimpleNamespace(source_url="postgresql://etl@127.0.0.1:1/crm?connect_timeout=2",
                                  warehouse_url=world.warehouse_url)
    with smtp_server() as (smtp_conn, inbox):
        result = dags_test(unreachable, tmp_path, AIRFLOW_CONN_SMTP_ALERTS=smtp_conn,
                           ETL_ALERT_EMAILS="oncall@example.com", ETL_TASK_RETRIES="2", ETL_RETRY_DELAY_SECONDS="1")
    output = result.stdout + result.stderr
    assert result.returncode != 0
    assert "Connection refused" in output or "connection failed" in output.lower()
    assert len(inbox) == 1 and inbox[0]["subject"].startswith("[ETL FAILED] crm_nightly business day 2026-10-05")
    assert "extract." in inbox[0]["subject"]
    assert "try_number=3" in inbox[0]["body"], "the email is sent after the third try (two retries)"
    # nothing half-written: core, quarantine, marts and the watermarks are as before
    assert snapshot(world, marts=True) == before
    assert world.wh("SELECT status FROM audit.etl_run_log ORDER BY business_date") == [("success",), ("failed",)]
