"""Airflow components as local processes (tests, benchmarks, the native full stack): a
migrated metadata database, the api-server on a free port, tokens from POST /auth/token."""

from __future__ import annotations

import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path

import httpx

from include.crm_etl.local_env import airflow_env


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def stack_env(home: Path, *, metadata_uri: str, warehouse_url: str, source_url: str | None = None,
              users: dict[str, tuple[str, str]], extra: dict[str, str] | None = None) -> dict[str, str]:
    """Environment for Airflow components: users maps name -> (role, password)."""
    home.mkdir(parents=True, exist_ok=True)
    passwords = home / "passwords.json"
    passwords.write_text(json.dumps({name: pw for name, (_, pw) in users.items()}))
    base = {k: v for k, v in os.environ.items() if not k.startswith(("AIRFLOW__", "AIRFLOW_CONN_"))}
    base["AIRFLOW_CONN_WAREHOUSE"] = warehouse_url
    if source_url:
        base["AIRFLOW_CONN_CRM_SOURCE"] = source_url
    env = airflow_env(home, base=base)
    env.update({
        "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": metadata_uri.replace("postgresql://", "postgresql+psycopg://"),
        "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_USERS": ",".join(f"{n}:{role}" for n, (role, _) in users.items()),
        "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_PASSWORDS_FILE": str(passwords),
        "AIRFLOW__API_AUTH__JWT_SECRET": secrets.token_hex(32),
        "AIRFLOW__CORE__EXECUTOR": "LocalExecutor",
        **(extra or {}),
    })
    return env


def migrate(env: dict[str, str]) -> None:
    done = subprocess.run([sys.executable, "-m", "airflow", "db", "migrate"], env=env,
                          capture_output=True, text=True, timeout=300)
    if done.returncode != 0:
        raise RuntimeError(f"airflow db migrate failed: {done.stdout[-2000:]}{done.stderr[-2000:]}")


@contextmanager
def api_server(env: dict[str, str], log: Path):
    """`airflow api-server` on a free port; yields its base URL once /api/v2/monitor/health answers."""
    port = free_port()
    with open(log, "w") as out:
        proc = subprocess.Popen([sys.executable, "-m", "airflow", "api-server", "--port", str(port),
                                 "--host", "127.0.0.1", "--workers", "1"],
                                env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
    base = f"http://localhost:{port}"
    try:
        deadline = time.monotonic() + 120
        while True:
            if proc.poll() is not None:
                raise RuntimeError(f"api-server exited: {log.read_text()[-3000:]}")
            try:
                if httpx.get(f"{base}/api/v2/monitor/health", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(f"api-server did not come up: {log.read_text()[-3000:]}")
            time.sleep(0.5)
        yield base, proc
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()


def token(base: str, username: str, password: str) -> str:
    response = httpx.post(f"{base}/auth/token", json={"username": username, "password": password}, timeout=10)
    response.raise_for_status()
    return response.json()["access_token"]
