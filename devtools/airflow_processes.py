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

from devtools.local_env import airflow_env


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


COMPONENTS = ("api-server", "scheduler", "dag-processor", "triggerer")


def _start(args: list[str], env: dict[str, str], log: Path, mode: str = "w") -> subprocess.Popen:
    with open(log, mode) as out:
        return subprocess.Popen([sys.executable, "-m", "airflow", *args], env=env, stdout=out,
                                stderr=subprocess.STDOUT, start_new_session=True)


def _stop(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGTERM)
    try:
        proc.wait(timeout=30)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()


def _wait_healthy(base: str, proc: subprocess.Popen, log: Path, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while True:
        if proc.poll() is not None:
            raise RuntimeError(f"api-server exited: {log.read_text()[-3000:]}")
        try:
            if httpx.get(f"{base}/api/v2/monitor/health", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        if time.monotonic() > deadline:
            raise RuntimeError(f"api-server did not come up: {log.read_text()[-3000:]}")
        time.sleep(0.5)


@contextmanager
def api_server(env: dict[str, str], log: Path, port: int | None = None):
    """`airflow api-server` on a free port; yields (base URL, process) once it is healthy."""
    port = port or free_port()
    proc = _start(["api-server", "--port", str(port), "--host", "127.0.0.1", "--workers", "1"], env, log)
    base = f"http://localhost:{port}"
    try:
        _wait_healthy(base, proc, log)
        yield base, proc
    finally:
        _stop(proc)


class NativeStack:
    """The running components of `native_stack`; `restart` one with other settings."""

    def __init__(self, base: str, env: dict[str, str], logs: Path) -> None:
        self.base, self._env, self._logs = base, env, logs
        self._procs: dict[str, subprocess.Popen] = {}

    def start(self, name: str, **overrides: str) -> None:
        log = self._logs / f"{name}.log"
        with open(log, "a") as out:  # a restart appends to the component's log
            out.write(f"--- starting {name} {overrides or ''}\n")
        self._procs[name] = _start([name], {**self._env, **overrides}, log, mode="a")

    def restart(self, name: str, **overrides: str) -> None:
        _stop(self._procs.pop(name))
        self.start(name, **overrides)

    def stop(self) -> None:
        for proc in self._procs.values():
            _stop(proc)
        self._procs.clear()


@contextmanager
def native_stack(env: dict[str, str], logs: Path):
    """The Airflow components of docker-compose.yaml as local processes: api-server, scheduler
    (LocalExecutor), dag-processor and triggerer. Yields a NativeStack (`.base`: the api-server's
    base URL)."""
    port = free_port()
    env = {**env, "AIRFLOW__CORE__EXECUTION_API_SERVER_URL": f"http://localhost:{port}/execution/"}
    logs.mkdir(parents=True, exist_ok=True)
    with api_server(env, logs / "api-server.log", port) as (base, _):
        stack = NativeStack(base, env, logs)
        try:
            for name in COMPONENTS[1:]:
                stack.start(name)
            yield stack
        finally:
            stack.stop()


def token(base: str, username: str, password: str) -> str:
    response = httpx.post(f"{base}/auth/token", json={"username": username, "password": password}, timeout=10)
    response.raise_for_status()
    return response.json()["access_token"]
