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

from airflow.sdk import dag, task

from include.crm.contracts import DAG_ID as WATCHED_DAG_ID
from include.crm.summary import LATE_NIGHT_IMPACT
from include.warehouse_kit import lateness


@dag(schedule=lateness.schedule(), **lateness.dag_arguments(doc_md=__doc__, tags=["crm", "alerts"]))
def crm_nightly_lateness():
    @task
    def check_night_finished(**context) -> None:
        lateness.check_night_finished(context, watched_dag_id=WATCHED_DAG_ID, deadline=lateness.DEADLINE,
                                      impact=LATE_NIGHT_IMPACT)

    check_night_finished()


crm_nightly_lateness()
