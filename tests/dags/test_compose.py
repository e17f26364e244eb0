"""docker-compose.yaml is valid (Debian's docker-compose parses it) and agrees with what the
native stack and the code use: the same Airflow components and commands, connections, pool,
folders, Airflow version, and no secret outside .env."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

from devtools import airflow_processes
from include.crm.contracts import SOURCE_CONN_ID, SOURCE_POOL, SOURCE_POOL_SLOTS
from include.crm.segments_page.queries import READER_CONN_ID
from include.warehouse_kit.settings import SCHEDULER_IDLE_SLEEP_SECONDS, WAREHOUSE_CONN_ID, WORKER_MIN_HEARTBEAT_SECONDS

REPO = Path(__file__).resolve().parents[2]
COMPOSE = REPO / "docker-compose.yaml"


@pytest.fixture(scope="module")
def compose() -> dict:
    return yaml.safe_load(COMPOSE.read_text())


@pytest.fixture(scope="module")
def services(compose) -> dict:
    return compose["services"]


def airflow_env(services) -> dict:
    return services["airflow-scheduler"]["environment"]


@pytest.mark.integration  # needs Debian's docker-compose (`make system-deps`)
def test_docker_compose_config_accepts_the_file():
    assert shutil.which("docker-compose"), "docker-compose is missing: `make system-deps` installs Debian's package"
    done = subprocess.run(["docker-compose", "-f", str(COMPOSE), "config", "-q"], cwd=REPO,
                          capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    with_env = subprocess.run(["docker-compose", "--env-file", str(REPO / ".env.example"), "-f", str(COMPOSE),
                               "config", "-q"], cwd=REPO, capture_output=True, text=True)
    assert with_env.returncode == 0, with_env.stderr


def test_airflow_runs_as_separate_services_on_celery(services):
    commands = {name: svc.get("command") for name, svc in services.items() if name.startswith("airflow-")}
    assert commands["airflow-apiserver"] == "api-server"
    assert commands["airflow-scheduler"] == "scheduler"
    assert commands["airflow-dag-processor"] == "dag-processor"
    assert commands["airflow-triggerer"] == "triggerer"
    assert commands["airflow-worker"] == "celery worker"
    assert airflow_env(services)["AIRFLOW__CORE__EXECUTOR"] == "CeleryExecutor"
    assert airflow_env(services)["AIRFLOW__CELERY__BROKER_URL"].startswith("redis://")
    worker = services["airflow-worker"]
    assert "container_name" not in worker and "ports" not in worker, "the worker must scale (--scale airflow-worker=3)"
    # the native stack runs the same components (minus Celery, which needs a broker)
    assert set(airflow_processes.COMPONENTS) == {"api-server", "scheduler", "dag-processor", "triggerer"}


def test_every_service_has_a_healthcheck(services):
    assert {"postgres", "crm-db", "crm-seed", "redis", "mailpit", "airflow-init"} <= set(services)
    missing = [name for name, svc in services.items() if "healthcheck" not in svc]
    assert not missing


def test_connections_and_folders_match_the_code(services):
    env = airflow_env(services)
    for conn_id in (SOURCE_CONN_ID, WAREHOUSE_CONN_ID, READER_CONN_ID, "smtp_alerts"):
        assert f"AIRFLOW_CONN_{conn_id.upper()}" in env
    assert env["AIRFLOW_CONN_CRM_SOURCE"].startswith("postgresql://etl_extract:")
    assert env["AIRFLOW_CONN_WAREHOUSE"].startswith("postgresql://etl_writer:")
    assert env["AIRFLOW_CONN_WAREHOUSE_READER"].startswith("postgresql://dash_reader:")
    assert env["AIRFLOW__CORE__DAGS_FOLDER"] == "/opt/airflow/repo/dags"
    assert env["AIRFLOW__CORE__PLUGINS_FOLDER"] == "/opt/airflow/repo/plugins"
    assert env["PYTHONPATH"] == "/opt/airflow/repo"
    assert env["AIRFLOW__SCHEDULER__SCHEDULER_IDLE_SLEEP_TIME"] == SCHEDULER_IDLE_SLEEP_SECONDS
    assert env["AIRFLOW__WORKERS__MIN_HEARTBEAT_INTERVAL"] == WORKER_MIN_HEARTBEAT_SECONDS
    mounts = set(services["airflow-scheduler"]["volumes"])
    assert {"./dags:/opt/airflow/repo/dags:ro", "./plugins:/opt/airflow/repo/plugins:ro",
            "./include:/opt/airflow/repo/include:ro", "./config:/opt/airflow/config:ro"} <= mounts
    init = (REPO / "docker" / "airflow-init.sh").read_text()
    assert f"airflow pools set {SOURCE_POOL} {SOURCE_POOL_SLOTS}" in init
    assert "include.crm.security" in init and "airflow db migrate" in init


def test_same_airflow_version_and_a_real_auth_manager(services):
    dockerfile = (REPO / "Dockerfile").read_text()
    version = re.search(r"^apache-airflow==(\S+)$", (REPO / "requirements.txt").read_text(), re.M).group(1)
    assert f"FROM apache/airflow:{version}-python3.11" in dockerfile
    assert "-r /opt/airflow/requirements.txt" in dockerfile
    assert airflow_env(services)["AIRFLOW__CORE__AUTH_MANAGER"].endswith("FabAuthManager")
    assert "apache-airflow-providers-fab==" in (REPO / "requirements.txt").read_text()
    assert "apache-airflow-providers-celery==" in (REPO / "requirements.txt").read_text()


def test_no_secret_outside_env(services):
    text = COMPOSE.read_text()
    example = (REPO / ".env.example").read_text()
    declared = set(re.findall(r"^([A-Z_]+)=", example, re.M))
    used = set(re.findall(r"(?<!\$)\$\{([A-Z_]+)(?::-[^}]*)?\}", text))  # $${X}: the container's own
    assert used <= declared, f"variables without an entry in .env.example: {used - declared}"
    for name in declared:
        if re.search("PASSWORD|SECRET|KEY", name):
            assert re.search(rf"^{name}=$", example, re.M), f"{name} must have no value in .env.example"
    assert not re.search(r"(PASSWORD|SECRET|_KEY):\s*['\"]?[^$\s'\"{]", text), "a literal secret in the compose file"
    assert not re.search(r"://[^:/]+:[^$@/]+@", text), "a literal password in a URI"
    assert ".env" in (REPO / ".gitignore").read_text().split()
    assert "SIMPLE_AUTH_MANAGER" not in text and "admin:admin" not in text
