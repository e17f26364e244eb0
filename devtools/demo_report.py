"""What `make demo` prints about taskflow_nightly: each night's counts per source, the
conservation of event lines, the marts of the last night, and a content fingerprint."""

from __future__ import annotations

import datetime as dt

import psycopg

from include.taskflow.contracts import DAG_ID, EVENTS, TABLES

TASKFLOW_TABLES = ("core.dim_user", "core.dim_project", "core.dim_task", "core.fact_task_events",
                   "marts.agg_daily_metrics", "marts.project_health", "marts.user_productivity")
# Everything the nights produced that a rerun must reproduce (surrogate keys and run ids aside).
FINGERPRINT = """
SELECT md5(string_agg(t, '|' ORDER BY t)) FROM (
    SELECT (to_jsonb(u) - 'user_key')::text t FROM core.dim_user u UNION ALL
    SELECT (to_jsonb(p) - 'project_key')::text FROM core.dim_project p UNION ALL
    SELECT (to_jsonb(k) - 'task_key' - 'project_key')::text FROM core.dim_task k UNION ALL
    SELECT (to_jsonb(f) - 'run_id' - 'task_key' - 'project_key' - 'actor_user_key')::text
    FROM core.fact_task_events f UNION ALL
    SELECT to_jsonb(m)::text FROM marts.agg_daily_metrics m) s
"""


def taskflow_summary(warehouse_uri: str, days: list[dt.date]) -> str:
    lines = []
    with psycopg.connect(warehouse_uri) as conn:
        runs = conn.execute(
            "SELECT DISTINCT ON (business_date) business_date, status, duration_seconds, table_counts "
            "FROM audit.etl_run_log WHERE dag_id = %s AND business_date = ANY(%s) "
            "ORDER BY business_date, started_at DESC", (DAG_ID, days)).fetchall()
        header = (f"{'night':<12} {'source':<10} {'extracted':>10} {'loaded':>10} {'duplicates':>11} "
                  f"{'quarantined':>12}")
        lines += ["", f"Nightly runs of {DAG_ID}", header, "-" * len(header)]
        for business_date, status, seconds, counts in runs:
            for name in (*(t.name for t in TABLES), EVENTS.name):
                c = counts.get(name, {})
                extracted = c.get("lines", c.get("extracted", 0))
                lines.append(f"{business_date!s:<12} {name:<10} {extracted:>10,} {c.get('loaded', 0):>10,} "
                             f"{c.get('duplicates', 0):>11,} {c.get('quarantined', 0):>12,}")
            lines.append(f"{'':<12} status {status}, {seconds} s")
        total, duplicates = conn.execute(
            "SELECT coalesce(sum(lines), 0), coalesce(sum(duplicates), 0) FROM audit.file_manifest "
            "WHERE dag_id = %s", (DAG_ID,)).fetchone()
        facts = conn.execute("SELECT count(*) FROM core.fact_task_events").fetchone()[0]
        quarantined = conn.execute("SELECT count(*) FROM audit.quarantine WHERE source_table = %s "
                                   "AND released_at IS NULL", (EVENTS.qualified_name,)).fetchone()[0]
        verdict = "holds" if total == facts + duplicates + quarantined else "DOES NOT HOLD"
        lines += ["", f"Event lines: {total:,} read = {facts:,} facts + {duplicates:,} identical duplicates "
                      f"+ {quarantined:,} in quarantine ({verdict})"]
        last = days[-1]
        created, completed, rate = conn.execute(
            "SELECT coalesce(sum(tasks_created), 0), coalesce(sum(tasks_completed), 0), "
            "round(sum(completed_on_time)::numeric / nullif(sum(completed_with_due_date), 0), 4) "
            "FROM marts.agg_daily_metrics WHERE metric_date = %s", (last,)).fetchone()
        open_tasks, overdue = conn.execute(
            "SELECT coalesce(sum(open_tasks), 0), coalesce(sum(overdue_tasks), 0) FROM marts.project_health "
            "WHERE as_of_date = %s", (last,)).fetchone()
        lines += [f"Tasks on {last}: {created:,} created, {completed:,} completed (on time: {rate}); "
                  f"{open_tasks:,} open, {overdue:,} overdue"]
        lines += ["", "Task analytics warehouse now"]
        for table in TASKFLOW_TABLES:
            n = conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0]  # noqa: S608 - constant names
            lines.append(f"  {table:<26} {n:>10,}")
        fingerprint = conn.execute(FINGERPRINT).fetchone()[0]
        lines.append(f"  content fingerprint        {fingerprint}  (the same after every rerun of these nights)")
    return "\n".join(lines)


def handoff_summary(warehouse_uri: str, days: list[dt.date]) -> str:
    """What audience_handoff sent each night, per audience (audit.handoff_log)."""
    with psycopg.connect(warehouse_uri) as conn:
        rows = conn.execute(
            "SELECT DISTINCT ON (as_of_date, audience_id) as_of_date, audience_id, destination, status, upserted, "
            "removed, unchanged, batches, http_retries FROM audit.handoff_log "
            "WHERE dag_id = 'audience_handoff' AND as_of_date = ANY(%s) "
            "ORDER BY as_of_date, audience_id, logged_at DESC", (days,)).fetchall()
    header = (f"{'night':<12} {'audience':<16} {'destination':<14} {'status':<11} {'upserted':>9} {'removed':>8} "
              f"{'unchanged':>10} {'batches':>8}")
    lines = ["", "Audience handoff (config/campaigns.yaml)", header, "-" * len(header)]
    for day, audience, destination, status, upserted, removed, unchanged, batches, _ in rows:
        lines.append(f"{day!s:<12} {audience:<16} {destination or '':<14} {status:<11} {upserted:>9,} "
                     f"{removed:>8,} {unchanged:>10,} {batches:>8,}")
    return "\n".join(lines)


def quality_summary(warehouse_uri: str, days: list[dt.date]) -> str:
    """Each pipeline's last night: source freshness, reconciliation, anomaly and drift verdicts;
    then every warning of the nights."""
    with psycopg.connect(warehouse_uri) as conn:
        rows = conn.execute(
            "SELECT DISTINCT ON (r.dag_id, r.business_date, q.\"check\") r.dag_id, r.business_date, q.\"check\", "
            "q.status, q.observed, q.expected FROM audit.data_quality_log q "
            "JOIN audit.etl_run_log r USING (dag_id, run_id) "
            "WHERE (q.\"check\" LIKE 'anomaly.%%' OR q.\"check\" LIKE '%%.freshness' "
            "       OR q.\"check\" LIKE '%%reconciliation' OR q.\"check\" LIKE '%%.drift') "
            "AND r.business_date = ANY(%s) "
            "ORDER BY r.dag_id, r.business_date, q.\"check\", q.checked_at DESC", (days,)).fetchall()
    kinds = (("Freshness", lambda c: c.endswith(".freshness")),
             ("Reconciliation", lambda c: c.endswith("reconciliation")),
             ("Anomalies", lambda c: c.startswith("anomaly.")),
             ("Drift", lambda c: c.endswith(".drift") and c.count(".") == 1))
    lines = ["", "Data quality (include/warehouse_kit/freshness.py, reconcile.py, anomaly.py, profiling.py)"]
    for dag_id in sorted({r[0] for r in rows}):
        last = [r for r in rows if r[0] == dag_id and r[1] == days[-1]]
        lines.append(f"  {dag_id} on {days[-1]}")
        for title, belongs in kinds:
            verdicts = ", ".join(f"{_short(c)}: {s}" + (f" ({o.split(' (')[0]})" if title == "Freshness" else "")
                                 for _, _, c, s, o, _ in last if belongs(c))
            lines.append(f"    {title:<15} {verdicts or 'none'}")
        for _, day, check, status, observed, expected in (r for r in rows if r[0] == dag_id and r[3] in ("warn", "fail")):
            lines.append(f"    {status} {day} {check}: {observed}, expected {expected}")
    return "\n".join(lines)


def _short(check: str) -> str:
    if check.endswith(".amount_reconciliation"):
        return check.removesuffix(".amount_reconciliation") + " amounts"
    return (check.removeprefix("anomaly.").removesuffix(".freshness").removesuffix(".reconciliation")
            .removesuffix(".drift"))
