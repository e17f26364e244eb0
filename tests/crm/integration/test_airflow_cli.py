"""The documented external-server path, through the real Airflow CLI:

    airflow db migrate && airflow dags test crm_nightly 2026-10-06T02:00:00+00:00

with nothing but the two connections, AIRFLOW_HOME, the dags and plugins folders and
PYTHONPATH set, and TCP URIs for both databases.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import shlex
import subprocess
import sys
from pathlib import Path

from devtools import demo_crm
from tests.crm.integration.warehouse_checks import conservation

REPO = Path(__file__).resolve().parents[3]


def dags_test(world, tmp_path, dag_id: str = "crm_nightly", when: str = "2026-10-06T02:00:00+00:00",
              conf: dict | None = None, **extra_env: str) -> subprocess.CompletedProcess:
    """Run the documented command with only the documented variables (plus PATH and HOME);
    `when=""` leaves the logical date to Airflow, `conf` is passed as --conf."""
    env = {
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}",
        "HOME": os.environ.get("HOME", str(tmp_path)),
        "AIRFLOW_CONN_CRM_SOURCE": world.source_url,
        "AIRFLOW_CONN_WAREHOUSE": world.warehouse_url,
        "AIRFLOW_HOME": str(tmp_path / "airflow"),
        "AIRFLOW__CORE__DAGS_FOLDER": str(REPO / "dags"),
        "AIRFLOW__CORE__PLUGINS_FOLDER": str(REPO / "plugins"),
        "PYTHONPATH": str(REPO),
        **extra_env,
    }
    command = f"airflow db migrate && airflow dags test {dag_id} {when}"
    if conf is not None:
        command += f" --conf {shlex.quote(json.dumps(conf))}"
    return subprocess.run(["bash", "-c", command], env=env, capture_output=True, text=True, timeout=600)


def test_dags_test_against_servers_named_only_by_connection_env_vars(world_factory, tmp_path):
    world = world_factory(customers=400, end_date=dt.date(2026, 10, 5))
    demo_crm.tick(world.source_uri, day=dt.date(2026, 10, 5), seed=7)
    assert world.source_url.startswith("postgresql://") and "@127.0.0.1:" in world.source_url
    result = dags_test(world, tmp_path)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]

    runs = world.wh("SELECT business_date, interval_start, interval_end, status FROM audit.etl_run_log")
    assert runs == [(dt.date(2026, 10, 5), dt.datetime(2026, 10, 5, tzinfo=dt.UTC),
                     dt.datetime(2026, 10, 6, tzinfo=dt.UTC), "success")]
    counts = conservation(world, through=dt.datetime(2026, 10, 6, tzinfo=dt.UTC))
    assert counts["order_items"]["core"] > 0
    # the night's own changes are in, and nothing from after the interval
    assert world.wh("SELECT max(updated_at) < '2026-10-06' FROM core.fact_orders")[0][0] is True


def test_a_failed_gate_fails_the_dag_run_and_marks_the_run_log_failed(world_factory, tmp_path):
    world = world_factory(customers=300, end_date=dt.date(2026, 10, 5))
    # Every order line of the night has quantity 0: the quarantine gate must stop the run.
    world.src("INSERT INTO crm.order_items SELECT 99000000 + g, 1, 1, 0, 1.00, "
              "'2026-10-05 10:00+00', '2026-10-05 10:00+00' FROM generate_series(1, 250) g")
    world.night(dt.date(2026, 10, 4))  # an earlier night loaded fine
    # Retries stay on: a failed gate is final, so the task fails at once instead of retrying.
    result = dags_test(world, tmp_path, AIRFLOW__CORE__LOAD_EXAMPLES="False", ETL_TASK_RETRIES="3",
                       ETL_RETRY_DELAY_SECONDS="1")
    assert result.returncode != 0
    assert "quarantine_share" in result.stdout + result.stderr
    assert "UP_FOR_RETRY" not in (result.stdout + result.stderr).upper()
    runs = world.wh("SELECT business_date, status FROM audit.etl_run_log ORDER BY business_date")
    assert runs == [(dt.date(2026, 10, 4), "success"), (dt.date(2026, 10, 5), "failed")]
    assert world.wh("SELECT watermark FROM audit.watermarks WHERE pipeline = 'crm_nightly' "
                    "AND source_table = 'order_items'") == [
        (dt.datetime(2026, 10, 5, tzinfo=dt.UTC),)]
