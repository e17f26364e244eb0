"""taskflow_nightly through the real Airflow CLI, with nothing but its connections, the events
URL, AIRFLOW_HOME, the dags and plugins folders and PYTHONPATH set:

    airflow db migrate && airflow dags test taskflow_nightly 2026-10-06T02:00:00+00:00
"""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
from pathlib import Path

from devtools import demo_taskflow
from include.taskflow.contracts import EVENTS_URL_ENV

REPO = Path(__file__).resolve().parents[3]
NIGHT = dt.date(2026, 10, 5)


def test_dags_test_runs_the_night_and_accounts_for_every_line(taskflow_world, tmp_path):
    w = taskflow_world
    world = demo_taskflow.build_world(w.source_uri, w.events_root, NIGHT, demo_taskflow.Volumes(60, 5, 400, 10),
                                      seed=5)
    night = demo_taskflow.tick(w.source_uri, w.events_root, NIGHT, seed=5)
    env = {
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}",
        "HOME": os.environ.get("HOME", str(tmp_path)),
        "AIRFLOW_CONN_TASKFLOW_SOURCE": w.source_url,
        "AIRFLOW_CONN_WAREHOUSE": w.warehouse_url,
        EVENTS_URL_ENV: os.environ[EVENTS_URL_ENV],
        "AIRFLOW_HOME": str(tmp_path / "airflow"),
        "AIRFLOW__CORE__DAGS_FOLDER": str(REPO / "dags"),
        "AIRFLOW__CORE__PLUGINS_FOLDER": str(REPO / "plugins"),
        "PYTHONPATH": str(REPO),
        "ETL_FRESHNESS": os.environ["ETL_FRESHNESS"],  # the generated world rests (tests/conftest.py)
    }
    command = "airflow db migrate && airflow dags test taskflow_nightly 2026-10-06T02:00:00+00:00"
    result = subprocess.run(["bash", "-c", command], env=env, capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]

    assert w.wh("SELECT business_date, status FROM audit.etl_run_log") == [(NIGHT, "success")]
    lines, duplicates = w.wh("SELECT sum(lines), sum(duplicates) FROM audit.file_manifest")[0]
    assert lines == world.lines + night.lines
    assert w.one("SELECT count(*) FROM core.fact_task_events") == world.valid_events + night.valid_events
    assert duplicates == world.duplicates + night.duplicates
    assert w.one("SELECT count(*) FROM marts.project_health WHERE as_of_date = %s", (NIGHT,)) > 0
    checks = w.wh('SELECT DISTINCT status FROM audit.data_quality_log WHERE "check" LIKE %s', ("marts.%",))
    assert ("fail",) not in checks
