"""
### audience_handoff

Hands the RFM segments to marketing: each campaign of `config/campaigns.yaml` (or
`ETL_CAMPAIGNS_FILE`) becomes an audience at its destination, the marketing platform
(connection `marketing_api`) or files under `ETL_AUDIENCE_EXPORT_URL`. docs/audience_handoff.md.

| task | what happens |
|---|---|
| `bootstrap` | applies the DDL, opens the run's row in `audit.etl_run_log`, pins the snapshot |
| `validate` | the snapshot exists, the `crm_nightly` run that built it succeeded with no failed mart check, the campaign file is valid (a bad entry fails only its audience) |
| `extract` | each audience: the snapshot's customers in its segments, not deleted, with consent and an email *now*, within its countries and min_monetary |
| `transform` | each member's payload and fingerprint |
| `package` | the diff against the last delivered state: upserts, removes, unchanged; counts and a checksum |
| `execute` | delivery, 1,000 members per request under deterministic idempotency keys; the delivered state advances only for acknowledged batches |
| `record` | one row per audience in `audit.handoff_log`; the run fails if any audience failed, after all were tried |

**Schedule.** On the Asset `marts.customer_segments`, which `crm_nightly` emits once its marts
passed their checks; the run takes `as_of_date` from the event. A snapshot older than one
already delivered is `superseded` and sends nothing.

**Params** (manual runs): `as_of_date` (default: the latest snapshot), `full_resync` (read the
platform's members and diff against them). `airflow dags test audience_handoff --conf
'{"as_of_date": "2026-10-05"}'`.
"""

from __future__ import annotations

import datetime as dt

import pendulum
from airflow.sdk import Asset, TriggerRule, chain, dag, task

from include.audience.contracts import SEGMENTS_ASSET
from include.audience.pipeline import PIPELINE
from include.audience.summary import MORNING_SUMMARY
from include.warehouse_kit.dag_defaults import default_args
from include.warehouse_kit.notify import on_task_failure, run_success_callback
from include.warehouse_kit.pipeline import run_task
from include.warehouse_kit.run_context import airflow_params


# Several runs may be active: deliveries of one audience serialise on a lock and never go back
# in time, and a cap of one run left queued asset events waiting (apache/airflow#56050).
@dag(schedule=[Asset(SEGMENTS_ASSET)], start_date=pendulum.datetime(2024, 1, 1, tz="UTC"), catchup=False,
     max_active_runs=3, tags=["crm", "marketing", "handoff"], doc_md=__doc__, params=airflow_params(PIPELINE.params),
     default_args=default_args(execution_timeout=dt.timedelta(hours=2), max_retry_delay=dt.timedelta(minutes=30)))
def audience_handoff():
    @task
    def step(name: str, **context) -> None:
        """One step of PIPELINE (include/audience/pipeline.py)."""
        run_task(context, PIPELINE, name)

    # The morning Slack summary, one line per audience, whether the run succeeds, fails in record
    # (an audience failed; the others were delivered) or fails earlier (finish_failed).
    summary = run_success_callback(MORNING_SUMMARY)

    @task(on_success_callback=[summary], on_failure_callback=[on_task_failure, summary])
    def record(**context) -> None:
        run_task(context, PIPELINE, "record", status="success")

    @task(trigger_rule=TriggerRule.ONE_FAILED, retries=0, on_success_callback=[summary])
    def finish_failed(**context) -> None:
        run_task(context, PIPELINE, "record", status="failed")

    steps = [step.override(task_id=name)(name) for name in ("bootstrap", "validate", "extract", "transform",
                                                             "package", "execute")]
    done, failed = record(), finish_failed()
    chain(*steps, done)
    # finish_failed follows every step before record: any failure there closes the run and its
    # audiences as failed. record closes the run itself, and both stay leaves, so either failing
    # fails the run.
    steps >> failed

audience_handoff()
