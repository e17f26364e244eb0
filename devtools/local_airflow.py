"""`make airflow`: Airflow 3 (api-server, scheduler, dag-processor, triggerer via
`airflow standalone`) on the embedded PostgreSQL, with the UI on http://localhost:8080.

Airflow's metadata lives in the database `airflow_meta` on the embedded server (SQLite cannot
take the scheduler's concurrent writes). The `crm_source` pool is created here, because the
scheduler never schedules a task whose pool does not exist. Log in as admin with the password
printed at start (ETL_UI_ADMIN_PASSWORD, else one generated once and kept in
.local/airflow-ui/passwords.json). Every task's OpenLineage events go to .local/lineage/events.jsonl.
"""

from __future__ import annotations

import json
import os
import secrets
import subprocess
import sys

from devtools import embedded_pg
from devtools.local_env import LOCAL_DIR, SOURCE_DB, SOURCE_POOLS, WAREHOUSE_DB, airflow_env

META_DB = "airflow_meta"
LINEAGE_DIR = LOCAL_DIR / "lineage"


def ui_env() -> dict[str, str]:
    embedded_pg.start()
    for name in (SOURCE_DB, WAREHOUSE_DB, META_DB):
        embedded_pg.ensure_database(name)
    home = LOCAL_DIR / "airflow-ui"
    env = airflow_env(home)
    passwords = home / "passwords.json"
    password = os.environ.get("ETL_UI_ADMIN_PASSWORD") or (
        json.loads(passwords.read_text()).get("admin") if passwords.exists() else None) or secrets.token_urlsafe(12)
    passwords.write_text(json.dumps({"admin": password}))
    passwords.chmod(0o600)
    env.update({
        "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN":
            embedded_pg.base_uri(META_DB).replace("postgresql://", "postgresql+psycopg://"),
        "AIRFLOW__CORE__EXECUTOR": "LocalExecutor",
        "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_USERS": "admin:admin",
        "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_PASSWORDS_FILE": str(passwords),
        "AIRFLOW__LOGGING__LOGGING_LEVEL": "INFO",
    })
    # Every task's OpenLineage events, one JSON object a line (docs/lineage.md); a transport set
    # in the environment wins.
    LINEAGE_DIR.mkdir(parents=True, exist_ok=True)
    env.setdefault("AIRFLOW__OPENLINEAGE__TRANSPORT", json.dumps(
        {"type": "file", "log_file_path": str(LINEAGE_DIR / "events.jsonl"), "append": True}))
    return env


def main() -> int:
    env = ui_env()
    airflow = [sys.executable, "-m", "airflow"]
    subprocess.run([*airflow, "db", "migrate"], env=env, check=True, stdout=subprocess.DEVNULL)
    for pool, slots, description in SOURCE_POOLS:
        subprocess.run([*airflow, "pools", "set", pool, str(slots), description], env=env, check=True,
                       stdout=subprocess.DEVNULL)
    password = json.loads((LOCAL_DIR / "airflow-ui" / "passwords.json").read_text())["admin"]
    print(f"Airflow UI: http://localhost:8080  (user admin, password {password}). Ctrl-C stops it.", flush=True)
    os.execve(sys.executable, [*airflow, "standalone"], env)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
