"""config/airflow_local_settings.py: components that fork tasks preload pandas & co., nothing else does."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from devtools.local_env import REPO_ROOT, airflow_env

PROBE = """
import json, sys
sys.argv = json.loads(sys.argv[1])
import airflow_local_settings
print(json.dumps({"file": airflow_local_settings.__file__,
                  "loaded": [m for m in ("pandas", "pandera", "pyarrow.csv", "psycopg",
                                         "airflow.providers.standard.decorators.python",
                                         "airflow.providers.slack.notifications.slack_webhook")
                             if m in sys.modules]}))
"""


def _probe(argv: list[str], **env_extra: str) -> dict:
    env = {**airflow_env(REPO_ROOT / ".local" / "test-preload"), **env_extra}
    done = subprocess.run([sys.executable, "-c", PROBE, json.dumps(argv)], env=env, capture_output=True,
                          text=True, check=True, timeout=120)
    return json.loads(done.stdout)


@pytest.mark.parametrize("argv", [["airflow", "scheduler"], ["airflow", "celery", "worker", "-q", "default"]])
def test_task_forking_components_preload_the_heavy_libraries(argv):
    seen = _probe(argv)
    assert seen["file"] == str(REPO_ROOT / "config" / "airflow_local_settings.py")
    assert seen["loaded"] == ["pandas", "pandera", "pyarrow.csv", "psycopg", "airflow.providers.standard.decorators.python",
                              "airflow.providers.slack.notifications.slack_webhook"]


@pytest.mark.parametrize("argv", [["airflow", "api-server"], ["airflow", "dag-processor"],
                                  ["airflow", "celery", "flower"], ["airflow", "dags", "test", "crm_nightly"]])
def test_other_commands_stay_light(argv):
    assert _probe(argv)["loaded"] == []


def test_the_list_can_be_changed_or_turned_off():
    assert _probe(["airflow", "scheduler"], ETL_PRELOAD_MODULES="psycopg")["loaded"] == ["psycopg"]
    assert _probe(["airflow", "scheduler"], ETL_PRELOAD_MODULES="")["loaded"] == []
