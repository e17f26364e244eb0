"""`make demo-alerts`: see every alert locally.

Starts a loopback SMTP catcher (aiosmtpd) and a Slack-webhook catcher that print what they
receive, points the connections smtp_alerts and slack_alerts at them, and runs on a small
separate CRM: a successful night (Slack summary, maybe a quality warning), a night forced to
fail by bad order lines (one failure email after the retries), and the 06:00 lateness check
for that failed night (Slack + email).
"""

from __future__ import annotations

import datetime as dt
import sys

from devtools import demo_crm, embedded_pg
from devtools.alert_catchers import smtp_server, webhook_server
from devtools.demo import airflow
from devtools.local_env import LOCAL_DIR, airflow_env


def main() -> int:
    today = dt.datetime.now(dt.UTC).date()
    good, bad = today - dt.timedelta(days=2), today - dt.timedelta(days=1)
    embedded_pg.start()
    source = embedded_pg.ensure_database("alerts_crm", recreate=True)
    embedded_pg.ensure_database("alerts_warehouse", recreate=True)
    demo_crm.init(source, customers=2_000, seed=11, end_date=good, progress=False)
    with smtp_server(echo=True) as (smtp_conn, inbox), webhook_server(echo=True) as (slack_conn, posts):
        env = airflow_env(LOCAL_DIR / "airflow-alerts", source_db="alerts_crm", warehouse_db="alerts_warehouse")
        env.update({"AIRFLOW_CONN_SMTP_ALERTS": smtp_conn, "AIRFLOW_CONN_SLACK_ALERTS": slack_conn,
                    "ETL_ALERT_EMAILS": env.get("ETL_ALERT_EMAILS") or "oncall@example.com",
                    "ETL_TASK_RETRIES": "2", "ETL_RETRY_DELAY_SECONDS": "1"})
        airflow(env, "db", "migrate")

        print(f"\n[1/3] a successful night ({good}): expect the Slack summary", flush=True)
        demo_crm.tick(source, day=good, seed=11)
        airflow(env, "dags", "test", "crm_nightly", f"{good + dt.timedelta(days=1)}T02:00:00+00:00")

        print(f"\n[2/3] a failing night ({bad}): 400 order lines with quantity 0 trip the quarantine gate; "
              "expect one failure email after 2 retries", flush=True)
        demo_crm.tick(source, day=bad, seed=11)
        import psycopg

        with psycopg.connect(source, autocommit=True) as conn:
            conn.execute("INSERT INTO crm.order_items SELECT 99000000 + g, 1, 1, 0, 1.00, %s, %s "
                         "FROM generate_series(1, 400) g", (f"{bad} 10:00+00", f"{bad} 10:00+00"))
        try:
            airflow(env, "dags", "test", "crm_nightly", f"{today}T02:00:00+00:00")
        except SystemExit:
            print("(the night failed, as intended)", flush=True)

        print(f"\n[3/3] the 06:00 lateness check for {bad}: expect Slack and email", flush=True)
        airflow(env, "dags", "test", "crm_nightly_lateness", f"{today}T06:00:00+00:00")
        print(f"\nReceived {len(inbox)} email(s) and {len(posts)} Slack post(s).")
    return 0


if __name__ == "__main__":
    sys.exit(main())
