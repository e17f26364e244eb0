"""
### crm_nightly_lateness

The marketing team needs the night's data before 08:00. At 06:00 business time on D+1 this DAG
checks `audit.etl_run_log`: if crm_nightly's run for business day D has not finished
successfully, it alerts Slack (`slack_alerts`) and the on-call email (`smtp_alerts`, recipients
from `ETL_ALERT_EMAILS` or the Variable `alert_emails`). See docs/operations.md.

(Airflow's Deadline Alerts would fit, but in 3.3.2 a DAG with a deadline makes
`airflow dags test` crash once the run succeeds, so the check runs as its own DAG.)
"""

from __future__ import annotations

import datetime as dt

import pendulum
from airflow.sdk import dag, task
from business_day_timetable import BusinessDayTimetable

from include.crm.contracts import DAG_ID as WATCHED_DAG_ID
from include.crm.summary import LATE_NIGHT_IMPACT
from include.warehouse_kit import lateness
from include.warehouse_kit.dag_defaults import default_args
from include.warehouse_kit.settings import settings

DEADLINE = dt.time(6, 0)  # business time, on D+1


@dag(
    schedule=BusinessDayTimetable(timezone=settings().business_tz.key, run_at=DEADLINE),
    start_date=pendulum.datetime(2024, 1, 1, tz="UTC"),
    catchup=False,
    max_active_runs=1,
    tags=["crm", "alerts"],
    doc_md=__doc__,
    default_args=default_args(execution_timeout=dt.timedelta(minutes=5), max_retry_delay=dt.timedelta(minutes=10)),
)
def crm_nightly_lateness():
    @task
    def check_night_finished(**context) -> None:
        lateness.check_night_finished(context, watched_dag_id=WATCHED_DAG_ID, deadline=DEADLINE,
                                      impact=LATE_NIGHT_IMPACT)

    check_night_finished()


crm_nightly_lateness()
