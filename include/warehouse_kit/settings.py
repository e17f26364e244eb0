"""Settings read from the environment (at call time, never at import time), and the names every
pipeline shares: the warehouse connection and the default quality-gate thresholds."""

from __future__ import annotations

import os
from dataclasses import dataclass
from zoneinfo import ZoneInfo

WAREHOUSE_CONN_ID = "warehouse"
# How long an idle scheduler loop sleeps (Airflow's default: 1 s). A task starts one loop after
# its upstream ends, and a nightly DAG is a chain of about seven such hops: at 0.2 s the
# full load's DAG time was about 3.7 s shorter (docs/benchmarks.md). Set in docker-compose.yaml too.
SCHEDULER_IDLE_SLEEP_SECONDS = "0.2"
# How long a task's supervisor waits in one select() for its task process (Airflow's
# [workers] min_heartbeat_interval, default 5 s, whole seconds). When the process closes its
# sockets just before it exits, the supervisor waits out that whole interval before it sees the
# exit, and the slot stays busy: about every other task held its slot 5 s after it ended
# (a full load's table load started 4.9 s after its upstreams ended). Set in docker-compose.yaml too.
WORKER_MIN_HEARTBEAT_SECONDS = "1"

# Quality gates, as fractions of a table's batch; a table's declaration may set its own.
MIN_KEY_COMPLETENESS = 0.95
MAX_QUARANTINE_SHARE = 0.05
# A share gate fails a run only on a batch of at least this many rows; below, a breach warns.
GATE_MIN_ROWS = 200


@dataclass(frozen=True)
class Settings:
    business_tz: ZoneInfo
    task_retries: int
    retry_delay_seconds: int


def settings() -> Settings:
    return Settings(
        business_tz=ZoneInfo(os.environ.get("ETL_BUSINESS_TZ", "UTC")),
        task_retries=int(os.environ.get("ETL_TASK_RETRIES", "3")),
        retry_delay_seconds=int(os.environ.get("ETL_RETRY_DELAY_SECONDS", "300")),
    )
