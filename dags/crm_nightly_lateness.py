"""
### crm_nightly_lateness

The marketing team needs the night's data before 08:00. At 06:00 business time on D+1 this DAG
checks `audit.etl_run_log`: if the run for business day D has not finished successfully, it
alerts Slack (`slack_alerts`) and the on-call email (`smtp_alerts`, recipients from
`ETL_ALERT_EMAILS` or the Variable `alert_emails`). See docs/operations.md.

(Airflow's Deadline Alerts would fit, but in 3.3.2 a DAG with a deadline makes
`airflow dags test` crash once the run succeeds, so the check runs as its own DAG.)
"""

from __future__ import annotations

import datetime as dt
import os

import pendulum
from airflow.sdk import dag, task
from business_day_timetable import BusinessDayTimetable

from include.warehouse_kit.dag_defaults import default_args


@dag(
    schedule=BusinessDayTimetable(timezone=os.environ.get("ETL_BUSINESS_TZ", "UTC"), run_at=dt.time(6, 0)),
    start_date=pendulum.datetime(2024, 1, 1, tz="UTC"),
    catchup=False,
    max_active_runs=1,
    tags=["crm", "alerts"],
    doc_md=__doc__,
    default_args=default_args(execution_timeout=dt.timedelta(minutes=5), max_retry_delay=dt.timedelta(minutes=10)),
)
def crm_nightly_lateness():
    @task
    def check_night_finished(**context) -> str:
        from include.warehouse_kit import connections, notify
        from include.warehouse_kit.run_context import RunContext
        from include.warehouse_kit.settings import WAREHOUSE_CONN_ID

        business_date = RunContext.from_airflow(context).business_date
        with connections.connect(WAREHOUSE_CONN_ID) as wh:
            row = wh.execute("SELECT status FROM audit.etl_run_log WHERE business_date = %s "
                             "ORDER BY (status = 'success') DESC, started_at DESC LIMIT 1",
                             (business_date,)).fetchone()
        status = row[0] if row else None
        if status == "success":
            return "on time"
        sent = notify.send_lateness_alerts(business_date, status)
        return f"late ({status or 'not started'}); alerted: {', '.join(sent) or 'nobody (no alert connection)'}"

    check_night_finished()


crm_nightly_lateness()
