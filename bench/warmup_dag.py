"""
### bench_warmup

One no-op task that `bench.dag_run` runs before the measured nights, so that they meet a stack
that has already served a task, as a running deployment has. The first task after an api-server
starts waits about 3 s for its first task-start call (measured and reported as `cold_start`).
Only in the benchmark's DAG folder, never in `dags/`.
"""

from __future__ import annotations

import pendulum
from airflow.sdk import dag, task


@dag(schedule=None, start_date=pendulum.datetime(2024, 1, 1, tz="UTC"), catchup=False, tags=["bench"],
     doc_md=__doc__, default_args={"owner": "data-eng", "retries": 0})
def bench_warmup():
    @task
    def noop() -> None:
        return None

    noop()


bench_warmup()
