"""Has a DAG's night finished by its deadline? The step of a lateness DAG, which runs at the
deadline on D+1 and watches another DAG's run for business day D.

It reads the watched DAG's own rows of audit.etl_run_log (a success if there is one, else the
latest run), and when that run is not a success it alerts Slack and the on-call email through
notify.py. The verdict goes to the task log; nothing goes to XCom.
"""

from __future__ import annotations

import datetime as dt
import logging

log = logging.getLogger(__name__)


def check_night_finished(context, *, watched_dag_id: str, deadline: dt.time, impact: str = "") -> None:
    """Alert when `watched_dag_id`'s run of this run's business day has not succeeded.
    `impact` says what the readers of the watched DAG's output see meanwhile."""
    from include.warehouse_kit import connections, notify, run_log
    from include.warehouse_kit.run_context import RunContext
    from include.warehouse_kit.settings import WAREHOUSE_CONN_ID

    business_date = RunContext.from_airflow(context).business_date
    with connections.connect(WAREHOUSE_CONN_ID) as wh:
        status = run_log.latest_status(wh, watched_dag_id, business_date)
    if status == "success":
        log.info("%s finished business day %s on time", watched_dag_id, business_date)
        return
    sent = notify.send_lateness_alerts(watched_dag_id, business_date, status, deadline=deadline, impact=impact)
    log.warning("%s business day %s is late (%s); alerted: %s", watched_dag_id, business_date,
                status or "not started", ", ".join(sent) or "nobody (no alert connection)")


DEADLINE = dt.time(6, 0)  # business time, on D+1: the readers need the night's data before 08:00


def schedule():
    """One run per business day D, at the deadline on D+1 (business time)."""
    from business_day_timetable import BusinessDayTimetable

    from include.warehouse_kit.settings import settings

    return BusinessDayTimetable(timezone=settings().business_tz.key, run_at=DEADLINE)


def dag_arguments(*, doc_md: str, tags: list[str]) -> dict:
    """The other @dag arguments every lateness DAG shares."""
    import pendulum

    from include.warehouse_kit.dag_defaults import default_args

    return {"start_date": pendulum.datetime(2024, 1, 1, tz="UTC"), "catchup": False, "max_active_runs": 1,
            "tags": tags, "doc_md": doc_md,
            "default_args": default_args(execution_timeout=dt.timedelta(minutes=5),
                                         max_retry_delay=dt.timedelta(minutes=10))}
