"""`make demo`: every pipeline, end to end, on the embedded PostgreSQL.

1. start the embedded server (.local/pg) and create the `crm`, `taskflow` and `warehouse` databases;
2. build the demo CRM (13 months of history) and the demo TaskFlow (its database and its event
   files under .local/taskflow_events) up to the first demo night;
3. for each of the last 3 business days: apply both generators' ticks, then run
   `airflow dags test crm_nightly <D+1>T02:00:00+00:00` and the same for `taskflow_nightly`
   (Airflow metadata in SQLite, .local/airflow), then hand that night's segments to the two
   demo campaigns of config/campaigns.yaml with
   `airflow dags test audience_handoff --conf '{"as_of_date": "<D>"}'`: one to a marketing
   platform on loopback (devtools/marketing_platform.py), one to files in .local/audiences;
4. print what each night extracted, loaded and quarantined, for both pipelines, and what each
   audience got: upserted, removed, unchanged.

Run it again and it rebuilds the same sources, applies the nights' ticks, and re-runs the same
nights on the existing warehouse as backfills: the warehouse ends identical (reruns are
idempotent, a backfill never overwrites newer rows, event files already in the manifest are not
read again). A demo of other nights (another day) or settings starts a new warehouse: the sources'
history differs from the one the old warehouse holds, and reconciliation would say so.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import subprocess
import sys
import time

import psycopg

from devtools import demo_crm, demo_taskflow, embedded_pg
from devtools.demo_report import handoff_summary, quality_summary, taskflow_summary
from devtools.local_env import (
    AUDIENCE_EXPORT_DIR,
    LOCAL_DIR,
    SOURCE_DB,
    TASKFLOW_DB,
    TASKFLOW_EVENTS_DIR,
    WAREHOUSE_DB,
    airflow_env,
)
from devtools.marketing_platform import MarketingPlatform
from include.crm.contracts import TABLES

PLATFORM_STATE = LOCAL_DIR / "marketing_platform.json"
CORE_TABLES = ("core.customer_xref", "core.dim_customer", "core.dim_product",
               "core.fact_orders", "core.fact_order_lines", "marts.customer_segments", "marts.daily_sales")


def airflow(env: dict[str, str], *args: str, quiet: bool = True) -> None:
    out = subprocess.DEVNULL if quiet else None
    result = subprocess.run([sys.executable, "-m", "airflow", *args], env=env, stdout=out,
                            stderr=subprocess.PIPE, text=True)
    if result.returncode != 0:
        sys.stderr.write(result.stderr[-4000:])
        raise SystemExit(f"airflow {' '.join(args)} failed (exit {result.returncode})")


def run_night(env: dict[str, str], day: dt.date, dag_id: str = "crm_nightly") -> str:
    run_at = dt.datetime.combine(day + dt.timedelta(days=1), dt.time(2, 0), dt.UTC)
    airflow(env, "dags", "test", dag_id, run_at.isoformat())
    return run_at.isoformat()


def summary(warehouse_uri: str, days: list[dt.date]) -> str:
    lines = []
    with psycopg.connect(warehouse_uri) as conn:
        runs = conn.execute(
            "SELECT DISTINCT ON (business_date) business_date, run_id, status, duration_seconds, table_counts "
            "FROM audit.etl_run_log WHERE dag_id = 'crm_nightly' AND business_date = ANY(%s) "
            "ORDER BY business_date, started_at DESC",
            (days,)).fetchall()
        header = f"{'night':<12} {'table':<12} {'extracted':>10} {'loaded':>10} {'quarantined':>12} {'released':>9}"
        lines += ["", "Nightly runs of crm_nightly", header, "-" * len(header)]
        for business_date, _run_id, status, seconds, counts in runs:
            for table in TABLES:
                c = counts.get(table.name, {})
                lines.append(f"{business_date!s:<12} {table.name:<12} {c.get('extracted', 0):>10,} "
                             f"{c.get('loaded', 0):>10,} {c.get('quarantined', 0):>12,} {c.get('released', 0):>9,}")
            lines.append(f"{'':<12} status {status}, {seconds} s")
        last, previous = days[-1], (days[-2] if len(days) > 1 else None)
        segments = conn.execute(
            "SELECT segment, sum(customers) FILTER (WHERE as_of_date = %s), "
            "sum(customers) FILTER (WHERE as_of_date = %s) FROM marts.segment_summary "
            "WHERE as_of_date IN (%s, %s) GROUP BY segment ORDER BY 2 DESC NULLS LAST",
            (last, previous, last, previous)).fetchall()
        lines += ["", f"Customer segments on {last} (change since {previous})"]
        for segment, now, before in segments:
            now, before = now or 0, before or 0
            lines.append(f"  {segment:<20} {now:>7,}  ({now - before:+,})")
        movement = conn.execute(
            "SELECT from_segment, to_segment, customers FROM marts.segment_movement WHERE as_of_date = %s "
            "ORDER BY customers DESC LIMIT 5", (last,)).fetchall()
        if movement:
            lines.append("  biggest moves: " + ", ".join(f"{a} -> {b}: {n}" for a, b, n in movement))
        lines += ["", "Warehouse now"]
        for table in CORE_TABLES:
            n = conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0]  # noqa: S608 - constant names
            lines.append(f"  {table:<24} {n:>10,}")
        fingerprint = conn.execute(
            "SELECT md5(string_agg(t, '|' ORDER BY t)) FROM ("
            "SELECT (to_jsonb(x) - 'run_id')::text t FROM core.customer_xref x UNION ALL "
            "SELECT (to_jsonb(d))::text FROM core.dim_customer d UNION ALL "
            "SELECT (to_jsonb(p) - 'run_id')::text FROM core.dim_product p UNION ALL "
            "SELECT (to_jsonb(f) - 'run_id')::text FROM core.fact_orders f UNION ALL "
            "SELECT (to_jsonb(l) - 'run_id')::text FROM core.fact_order_lines l) s").fetchone()[0]
        open_q = conn.execute("SELECT source_table, count(*) FROM audit.quarantine WHERE released_at IS NULL "
                              "GROUP BY 1 ORDER BY 1").fetchall()
        lines.append("  audit.quarantine (open)   " + ", ".join(f"{t}: {n}" for t, n in open_q))
        lines.append(f"  content fingerprint       {fingerprint}  (the same after every rerun of these nights)")
    return "\n".join(lines)


DEMO_STATE = LOCAL_DIR / "demo.json"


def _same_demo_as_last(args: argparse.Namespace, days: list[dt.date]) -> bool:
    """Whether the last demo ran these nights with these settings: its warehouse holds the
    history the sources are rebuilt with. Otherwise the demo starts a new warehouse."""
    settings = {"customers": args.customers, "seed": args.seed, "days": [str(d) for d in days]}
    last = json.loads(DEMO_STATE.read_text()) if DEMO_STATE.exists() else None
    DEMO_STATE.parent.mkdir(parents=True, exist_ok=True)
    DEMO_STATE.write_text(json.dumps(settings))
    return last == settings


def _tick(source_uri: str, taskflow_uri: str, day: dt.date, seed: int):
    return (demo_crm.tick(source_uri, day=day, seed=seed),
            demo_taskflow.tick(taskflow_uri, TASKFLOW_EVENTS_DIR, day, seed=seed))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--customers", type=int, default=20_000)
    parser.add_argument("--nights", type=int, default=3)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--today", type=dt.date.fromisoformat, default=dt.datetime.now(dt.UTC).date(),
                        help="the demo runs the nights before this date (default: today, UTC)")
    args = parser.parse_args(argv)
    started = time.monotonic()
    days = [args.today - dt.timedelta(days=n) for n in range(args.nights, 0, -1)]

    print(f"[1/5] embedded PostgreSQL: {embedded_pg.start()}", flush=True)
    source_uri = embedded_pg.ensure_database(SOURCE_DB)
    taskflow_uri = embedded_pg.ensure_database(TASKFLOW_DB)
    rerun = _same_demo_as_last(args, days)
    warehouse_uri = embedded_pg.ensure_database(WAREHOUSE_DB, recreate=not rerun)
    if not rerun:  # the platform's audiences belong to the old warehouse's deliveries
        PLATFORM_STATE.unlink(missing_ok=True)
    env = airflow_env()
    print(f"[2/5] demo CRM: {args.customers:,} customers, 13 months up to {days[0]}", flush=True)
    counts = demo_crm.init(source_uri, customers=args.customers, seed=args.seed, end_date=days[0])
    print("      " + ", ".join(f"{t}: {n:,}" for t, n in counts.items()), flush=True)
    volumes = demo_taskflow.DEMO
    print(f"[3/5] demo TaskFlow: {volumes.users:,} users, {volumes.projects:,} projects, {volumes.tasks:,} tasks, "
          f"event files in {TASKFLOW_EVENTS_DIR}", flush=True)
    world = demo_taskflow.build_world(taskflow_uri, TASKFLOW_EVENTS_DIR, days[0], volumes, seed=args.seed)
    print(f"      {world.lines:,} event lines in {len(world.files):,} files", flush=True)
    print("[4/5] Airflow metadata (SQLite):", env["AIRFLOW_HOME"], flush=True)
    airflow(env, "db", "migrate")
    # The marketing platform on loopback; its audiences are kept in .local between demos, as a
    # real platform keeps them, so that a second demo's handoffs diff against what it holds.
    with MarketingPlatform(token="demo-token", state_file=PLATFORM_STATE) as platform:
        env["AIRFLOW_CONN_MARKETING_API"] = platform.connection_uri()
        print(f"[5/5] nights (marketing platform on {platform.url}):", flush=True)
        # A rerun brings the sources to where the last demo left them first, as real sources stay:
        # its nights are then backfills, which reconcile and never overwrite newer rows.
        ticks = {day: _tick(source_uri, taskflow_uri, day, args.seed) for day in days} if rerun else {}
        for day in days:
            tick, tasks = ticks.get(day) or _tick(source_uri, taskflow_uri, day, args.seed)
            night_started = time.monotonic()
            run_at = run_night(env, day)
            crm_seconds, night_started = time.monotonic() - night_started, time.monotonic()
            run_night(env, day, "taskflow_nightly")
            taskflow_seconds, night_started = time.monotonic() - night_started, time.monotonic()
            airflow(env, "dags", "test", "audience_handoff", "--conf", json.dumps({"as_of_date": str(day)}))
            print(f"      {day}: ticks ({tick['new_orders']} new orders, {tick['status_changes']} status changes, "
                  f"{tick['profile_changes']} profile changes; {tasks.lines:,} event lines in "
                  f"{len(tasks.files)} files), then `airflow dags test crm_nightly {run_at}` in {crm_seconds:.0f} s, "
                  f"taskflow_nightly in {taskflow_seconds:.0f} s and audience_handoff in "
                  f"{time.monotonic() - night_started:.0f} s", flush=True)
        print(summary(warehouse_uri, days))
        print(taskflow_summary(warehouse_uri, days))
        print(handoff_summary(warehouse_uri, days))
        print(quality_summary(warehouse_uri, days))
        held = {a: len(platform.members(a)) for a in sorted(platform.state()["audiences"])}
        print("  on the loopback platform now: " + (", ".join(f"{a}: {n:,} members" for a, n in held.items())
                                                   or "no audience"))
    print(f"""
Where the data is
  source CRM     {source_uri}   (schema crm)
  TaskFlow       {taskflow_uri}   (schema taskflow), events in {TASKFLOW_EVENTS_DIR}
  warehouse      {warehouse_uri}   (schemas staging, core, marts, audit)
  psql           psql {warehouse_uri}
  audiences      files in {AUDIENCE_EXPORT_DIR} (members.csv, removed.csv, manifest.json per night)
  pages          Customer segments at /segments/, Task analytics at /task-analytics/, Data quality at /data-quality/ (in `make airflow`)
  server files   {embedded_pg.data_dir()}   (stop it with `make pg-stop`)
  Airflow UI     `make airflow`, then http://localhost:8080 (user admin; it prints the password)
Total {time.monotonic() - started:.0f} s. Files under {LOCAL_DIR}.""")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
