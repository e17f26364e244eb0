"""Cluster settings Airflow imports in each of its processes (`$AIRFLOW_HOME/config` is on its path).

Preload: every task runs in a process forked from the component that runs tasks (the scheduler's
LocalExecutor workers, a Celery worker's pool). Importing the ETL's heavy third-party libraries
there once means each task inherits them copy-on-write instead of importing them again: about
0.7 s less per task, most of a small nightly run's task time (docs/benchmarks.md).

Only third-party libraries are preloaded. They change only with a new image or venv, which
restarts the components anyway; the ETL's own package (`include/`) is imported fresh by every
task, so a deployed code change is never shadowed by a stale copy in the scheduler.
`ETL_PRELOAD_MODULES` overrides the list (comma-separated; empty turns preloading off).
"""

from __future__ import annotations

import importlib
import os
import sys

# The ETL's libraries, the Airflow modules each task's start-up imports after the fork (the
# task runner, and the standard provider behind @task), and the Slack notifier a run's last
# task posts the morning summary with (0.2-0.3 s to import, 9 MB).
PRELOAD_MODULES = ("pandas,pandera.pandas,pyarrow.csv,psycopg,"
                   "airflow.sdk.execution_time.task_runner,airflow.providers.standard.decorators.python,"
                   "airflow.providers.slack.notifications.slack_webhook")
TASK_FORKING_COMMANDS = (("scheduler",), ("celery", "worker"))


def forks_tasks(argv: list[str]) -> bool:
    """Whether this `airflow ...` command line is a component whose forks run tasks."""
    return any(tuple(argv[1:1 + len(cmd)]) == cmd for cmd in TASK_FORKING_COMMANDS)


def preload(argv: list[str]) -> list[str]:
    if not forks_tasks(argv):
        return []
    names = [m.strip() for m in os.environ.get("ETL_PRELOAD_MODULES", PRELOAD_MODULES).split(",") if m.strip()]
    for name in names:
        importlib.import_module(name)
    return names


preload(sys.argv)
