"""default_args shared by every DAG of the repo: owner, retries with exponential backoff from
config (ETL_TASK_RETRIES, ETL_RETRY_DELAY_SECONDS), a timeout, and the failure email."""

from __future__ import annotations

import datetime as dt

from include.warehouse_kit.notify import on_task_failure
from include.warehouse_kit.settings import settings

OWNER = "data-engineering"


def default_args(*, execution_timeout: dt.timedelta, max_retry_delay: dt.timedelta) -> dict:
    config = settings()
    return {
        "owner": OWNER,
        "retries": config.task_retries,
        "retry_delay": dt.timedelta(seconds=config.retry_delay_seconds),
        "retry_exponential_backoff": 2.0,
        "max_retry_delay": max_retry_delay,
        "execution_timeout": execution_timeout,
        # one email per failed run, after the retries (include/warehouse_kit/notify.py)
        "on_failure_callback": [on_task_failure],
    }
