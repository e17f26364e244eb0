"""
### taskflow_nightly_lateness

The executives read the task analytics every morning. At 06:00 business time on D+1 this DAG
checks `audit.etl_run_log`: if taskflow_nightly's run for business day D has not finished
successfully, it alerts Slack (`slack_alerts`) and the on-call email (`smtp_alerts`, recipients
from `ETL_ALERT_EMAILS` or the Variable `alert_emails`). See docs/operations.md.
"""

from __future__ import annotations

from airflow.sdk import dag, task

from include.taskflow.contracts import DAG_ID as WATCHED_DAG_ID
from include.taskflow.summary import LATE_NIGHT_IMPACT
from include.warehouse_kit import lateness


@dag(schedule=lateness.schedule(), **lateness.dag_arguments(doc_md=__doc__, tags=["taskflow", "alerts"]))
def taskflow_nightly_lateness():
    @task
    def check_night_finished(**context) -> None:
        lateness.check_night_finished(context, watched_dag_id=WATCHED_DAG_ID, deadline=lateness.DEADLINE,
                                      impact=LATE_NIGHT_IMPACT)

    check_night_finished()


taskflow_nightly_lateness()
