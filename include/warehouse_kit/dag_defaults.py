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


NIGHTLY_RUN_AT = dt.time(2, 0)  # business time, on D+1


def nightly_schedule():
    """One run per business day D, [D 00:00, D+1 00:00) in ETL_BUSINESS_TZ, at D+1 02:00."""
    from business_day_timetable import BusinessDayTimetable

    return BusinessDayTimetable(timezone=settings().business_tz.key, run_at=NIGHTLY_RUN_AT)


def nightly_arguments(*, doc_md: str, tags: list[str], params: dict) -> dict:
    """The other @dag arguments of a nightly pipeline: no catchup, one run at a time (runs of
    one pipeline serialise on its loads anyway), retries and the failure email, its Params."""
    import pendulum

    return {"start_date": pendulum.datetime(2024, 1, 1, tz="UTC"), "catchup": False, "max_active_runs": 1,
            "tags": tags, "doc_md": doc_md, "params": params,
            "default_args": default_args(execution_timeout=dt.timedelta(minutes=45),
                                         max_retry_delay=dt.timedelta(hours=1))}
