"""Environment for running Airflow locally on the embedded PostgreSQL (demo, `make airflow`, tests)."""

from __future__ import annotations

import os
import sys
from pathlib import Path

from devtools import embedded_pg
from include.crm import contracts as crm
from include.taskflow import contracts as taskflow
from include.warehouse_kit.settings import SCHEDULER_IDLE_SLEEP_SECONDS, WORKER_MIN_HEARTBEAT_SECONDS

REPO_ROOT = embedded_pg.REPO_ROOT
LOCAL_DIR = REPO_ROOT / ".local"
SOURCE_DB = "crm"
TASKFLOW_DB = "taskflow"
WAREHOUSE_DB = "warehouse"
TASKFLOW_EVENTS_DIR = LOCAL_DIR / "taskflow_events"
AUDIENCE_EXPORT_DIR = LOCAL_DIR / "audiences"  # audience_handoff's file destination
# Every source pool the DAGs name: the scheduler never schedules a task whose pool is missing.
SOURCE_POOLS = ((crm.SOURCE_POOL, crm.SOURCE_POOL_SLOTS, "Concurrent queries against the CRM source"),
                (taskflow.SOURCE_POOL, taskflow.SOURCE_POOL_SLOTS, "Concurrent queries against TaskFlow"))


def airflow_env(airflow_home: Path | None = None, *, source_db: str = SOURCE_DB,
                warehouse_db: str = WAREHOUSE_DB, base: dict[str, str] | None = None) -> dict[str, str]:
    """os.environ plus what Airflow needs to run the pipelines against the embedded server.

    Connections already set in the environment (AIRFLOW_CONN_*) win over the embedded ones.
    """
    env = dict(os.environ if base is None else base)
    home = Path(airflow_home or LOCAL_DIR / "airflow").resolve()
    home.mkdir(parents=True, exist_ok=True)
    env.setdefault("AIRFLOW_CONN_CRM_SOURCE", embedded_pg.base_uri(source_db))
    env.setdefault("AIRFLOW_CONN_TASKFLOW_SOURCE", embedded_pg.base_uri(TASKFLOW_DB))
    env.setdefault("ETL_TASKFLOW_EVENTS_URL", TASKFLOW_EVENTS_DIR.resolve().as_uri())
    env.setdefault("AIRFLOW_CONN_WAREHOUSE", embedded_pg.base_uri(warehouse_db))
    env.setdefault("ETL_AUDIENCE_EXPORT_URL", AUDIENCE_EXPORT_DIR.resolve().as_uri())
    env.update({
        "AIRFLOW_HOME": str(home),
        "AIRFLOW__CORE__DAGS_FOLDER": str(REPO_ROOT / "dags"),
        "AIRFLOW__CORE__PLUGINS_FOLDER": str(REPO_ROOT / "plugins"),
        "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
        "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": f"sqlite:///{home / 'airflow.db'}",
        # config/ holds airflow_local_settings.py (task-forking components preload pandas & co.)
        "PYTHONPATH": os.pathsep.join(filter(None, [str(REPO_ROOT), str(REPO_ROOT / "config"),
                                                    env.get("PYTHONPATH", "")])),
        # `airflow standalone` starts its components as `airflow ...` from PATH
        "PATH": os.pathsep.join([str(Path(sys.executable).parent), env.get("PATH", "")]),
    })
    env.setdefault("AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_USERS", "admin:admin")
    env.setdefault("AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_ALL_ADMINS", "False")
    env.setdefault("AIRFLOW__LOGGING__LOGGING_LEVEL", "WARNING")
    env.setdefault("AIRFLOW__SCHEDULER__SCHEDULER_IDLE_SLEEP_TIME", SCHEDULER_IDLE_SLEEP_SECONDS)
    env.setdefault("AIRFLOW__WORKERS__MIN_HEARTBEAT_INTERVAL", WORKER_MIN_HEARTBEAT_SECONDS)
    # Locally a failing task should surface in seconds, not after 5-minute retry delays.
    env.setdefault("ETL_RETRY_DELAY_SECONDS", "10")
    return env
