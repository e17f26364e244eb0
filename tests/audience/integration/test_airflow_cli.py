"""Manual runs through the real Airflow CLI, as the DAG's doc and README give them:

    airflow dags test audience_handoff --conf '{"as_of_date": "2026-10-03"}'

with the warehouse, the `marketing_api` connection and the campaign file set, nothing else;
and the alerts of a run in which one audience failed, through real SMTP and webhook servers."""

from __future__ import annotations

import os
import subprocess

from devtools.alert_catchers import smtp_server, webhook_server
from devtools.marketing_platform import Fault
from tests.audience.integration.conftest import NIGHTS, VIP, WINBACK
from tests.crm.integration.test_airflow_cli import dags_test


def _dags_test(handoff, tmp_path, conf: dict, **extra_env) -> subprocess.CompletedProcess:
    return dags_test(handoff.crm, tmp_path, "audience_handoff", when="", conf=conf,
                     AIRFLOW_CONN_MARKETING_API=os.environ["AIRFLOW_CONN_MARKETING_API"],
                     ETL_CAMPAIGNS_FILE=str(handoff.campaigns_file), **extra_env)


def test_a_manual_run_of_the_cli_delivers_the_snapshot_named_in_its_conf(handoff, tmp_path):
    handoff.declare(VIP)
    done = _dags_test(handoff, tmp_path, {"as_of_date": str(NIGHTS[0])})
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    [(run_id, status, as_of_date, chosen_by)] = handoff.crm.wh(
        "SELECT l.run_id, l.status, r.as_of_date, r.chosen_by FROM audit.etl_run_log l "
        "JOIN audit.handoff_runs r USING (dag_id, run_id) WHERE l.dag_id = 'audience_handoff'")
    assert (status, as_of_date, chosen_by) == ("success", NIGHTS[0], "param")
    assert handoff.on_platform("vip") == handoff.expected(VIP, NIGHTS[0])
    assert handoff.log(run_id)["vip"]["status"] == "success"


def test_one_failed_audience_fails_the_run_with_one_email_naming_it_and_a_summary_line_per_audience(
        handoff, tmp_path):
    handoff.declare(VIP, WINBACK)
    handoff.platform.inject(Fault("upsert", audience_id="vip", status=400, body='{"error": "bad member"}'))
    day = NIGHTS[0]
    with smtp_server() as (smtp_conn, inbox), webhook_server() as (slack_conn, posts):
        done = _dags_test(handoff, tmp_path, {"as_of_date": str(day)}, AIRFLOW_CONN_SMTP_ALERTS=smtp_conn,
                          AIRFLOW_CONN_SLACK_ALERTS=slack_conn, ETL_ALERT_EMAILS="oncall@example.com")
    assert done.returncode != 0
    assert [m["subject"] for m in inbox] == [
        f"[ETL FAILED] audience_handoff business day {day}: task record failed (audience vip)"]
    assert "HandoffFailed" in inbox[0]["body"] and "bad member" in inbox[0]["body"]
    [summary] = [p["text"] for p in posts if "*Audiences:*" in p["text"]]
    assert summary.startswith(f"*audience_handoff* business day {day}: failed")
    lines = [line for line in summary.splitlines() if line.startswith("• ")]
    assert len(lines) == 2
    assert lines[0].startswith("• vip -> marketing_api: *FAILED* after 0 upserted") and "bad member" in lines[0]
    winback = len(handoff.expected(WINBACK, day))
    assert lines[1].startswith(f"• winback -> marketing_api: {winback:,} upserted, 0 removed, 0 unchanged")
    assert handoff.on_platform("winback") == handoff.expected(WINBACK, day)
