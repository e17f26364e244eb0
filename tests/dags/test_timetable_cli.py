"""
End-to-end check of BusinessDayTimetable through the real Airflow 3.3.2 CLI.

Runs in a throwaway AIRFLOW_HOME (SQLite) with a tiny DAG written to a tmp dags
folder and ``plugins/`` of this repo as the plugins folder:

* ``airflow dags test <dag> 2026-10-06T02:00:00+00:00`` must process business day
  2026-10-05, i.e. data interval [2026-10-05T00:00Z, 2026-10-06T00:00Z).
* ``airflow backfill create --from-date 2026-10-01 --to-date 2026-10-03`` must
  create runs for business days 2026-10-01, 2026-10-02 and 2026-10-03.

Slow (~30-90 s): spawns several ``airflow`` subprocesses.
"""

from __future__ import annotations

import contextlib
import json
import os
import sqlite3
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]
AIRFLOW_BIN = Path(sys.executable).with_name("airflow")
DAG_ID = "bdt_cli_probe"

DAG_SOURCE = textwrap.dedent(
    f"""
    import datetime
    import json
    import os

    import pendulum
    from airflow.sdk import DAG, task
    from business_day_timetable import BusinessDayTimetable

    with DAG(
        "{DAG_ID}",
        schedule=BusinessDayTimetable(timezone="UTC", run_at=datetime.time(2, 0)),
        start_date=pendulum.datetime(2026, 1, 1, tz="UTC"),
        catchup=False,
    ):

        @task
        def report(data_interval_start=None, data_interval_end=None, logical_date=None):
            payload = {{
                "data_interval_start": data_interval_start.isoformat(),
                "data_interval_end": data_interval_end.isoformat(),
                "logical_date": logical_date.isoformat() if logical_date else None,
            }}
            print("BDT_PROBE " + json.dumps(payload))
            with open(os.environ["BDT_PROBE_OUT"], "w") as f:
                json.dump(payload, f)

        report()
    """
)


pytestmark = pytest.mark.slow  # airflow subprocesses: outside `make test-unit`


@pytest.fixture(scope="module")
def airflow_env(tmp_path_factory):
    assert AIRFLOW_BIN.exists(), f"airflow CLI not found at {AIRFLOW_BIN}: run `make venv`"
    home = tmp_path_factory.mktemp("airflow_home")
    dags = home / "dags"
    dags.mkdir()
    (dags / f"{DAG_ID}.py").write_text(DAG_SOURCE)
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith("AIRFLOW__") and k != "AIRFLOW_HOME"
    }
    env.update(
        {
            "AIRFLOW_HOME": str(home),
            "AIRFLOW__CORE__DAGS_FOLDER": str(dags),
            "AIRFLOW__CORE__PLUGINS_FOLDER": str(REPO_ROOT / "plugins"),
            "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
            "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": f"sqlite:///{home / 'airflow.db'}",
            "AIRFLOW__CORE__EXECUTOR": "LocalExecutor",
            "AIRFLOW__CORE__DEFAULT_TIMEZONE": "utc",
            "PYTHONPATH": os.pathsep.join(
                p for p in (str(REPO_ROOT), env.get("PYTHONPATH")) if p
            ),
            "BDT_PROBE_OUT": str(home / "probe.json"),
        }
    )
    run(env, "db", "migrate")
    return env, home


def run(env, *args, check=True) -> subprocess.CompletedProcess:
    proc = subprocess.run(
        [str(AIRFLOW_BIN), *args],
        check=False,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        cwd=env["AIRFLOW_HOME"],
    )
    if check and proc.returncode != 0:
        raise AssertionError(
            f"airflow {' '.join(args)} failed ({proc.returncode})\n"
            f"STDOUT:\n{proc.stdout[-5000:]}\nSTDERR:\n{proc.stderr[-5000:]}"
        )
    return proc


def test_dags_test_processes_previous_business_day(airflow_env):
    env, home = airflow_env
    proc = run(env, "dags", "test", DAG_ID, "2026-10-06T02:00:00+00:00")
    payload = json.loads((home / "probe.json").read_text())
    assert payload["data_interval_start"] == "2026-10-05T00:00:00+00:00", proc.stdout[
        -3000:
    ]
    assert payload["data_interval_end"] == "2026-10-06T00:00:00+00:00"
    # dags test keeps the CLI date as the (manual) run's logical date.
    assert payload["logical_date"] == "2026-10-06T02:00:00+00:00"


def test_backfill_creates_one_run_per_business_day(airflow_env):
    env, home = airflow_env
    # The DAG is serialized into the DB by the previous ``dags test``; make sure
    # regardless of test ordering.
    run(env, "dags", "reserialize")
    run(
        env,
        "backfill",
        "create",
        "--dag-id",
        DAG_ID,
        "--from-date",
        "2026-10-01",
        "--to-date",
        "2026-10-03",
        "--reprocess-behavior",
        "none",
    )
    proc = run(env, "dags", "list-runs", DAG_ID, "-o", "json")
    # stdout may start with log lines; the JSON document is the last "[...]" line.
    doc = next(ln for ln in reversed(proc.stdout.splitlines()) if ln.startswith("["))
    runs = [r for r in json.loads(doc) if r["run_id"].startswith("backfill__")]
    assert sorted((r["logical_date"], r["run_after"]) for r in runs) == [
        ("2026-10-01T00:00:00+00:00", "2026-10-02T02:00:00+00:00"),
        ("2026-10-02T00:00:00+00:00", "2026-10-03T02:00:00+00:00"),
        ("2026-10-03T00:00:00+00:00", "2026-10-04T02:00:00+00:00"),
    ], proc.stdout
    # list-runs does not show data intervals; read them from the metadata DB.
    with contextlib.closing(sqlite3.connect(home / "airflow.db")) as conn:
        rows = conn.execute(
            "SELECT data_interval_start, data_interval_end FROM dag_run "
            "WHERE dag_id = ? AND run_type = 'backfill' ORDER BY data_interval_start",
            (DAG_ID,),
        ).fetchall()
    assert [(str(s)[:19], str(e)[:19]) for s, e in rows] == [
        ("2026-10-01 00:00:00", "2026-10-02 00:00:00"),
        ("2026-10-02 00:00:00", "2026-10-03 00:00:00"),
        ("2026-10-03 00:00:00", "2026-10-04 00:00:00"),
    ]
