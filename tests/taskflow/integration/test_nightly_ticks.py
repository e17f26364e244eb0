"""taskflow_nightly over several nights of the generator (devtools/demo_taskflow): the exact
counts the generator reports for the dirt it wrote are where the warehouse put the lines."""

from __future__ import annotations

import datetime as dt

from devtools import demo_taskflow
from tests.taskflow.integration.reference_marts import AGG_COLUMNS, assert_same, core_tables, expected_agg_daily_metrics

FIRST = dt.date(2026, 10, 5)
SMALL = demo_taskflow.Volumes(users=120, projects=8, tasks=1_500, history_days=20)


def test_three_nights_with_ticks_put_every_line_where_the_generator_says(taskflow_world):
    w = taskflow_world
    reports = [demo_taskflow.build_world(w.source_uri, w.events_root, FIRST, SMALL, seed=11)]
    assert_agg_daily_metrics_as_the_rules_say(w, w.night(FIRST), "every fact")
    assert_minutes_as_every_fact_sorted_gives(w)
    for day in (FIRST + dt.timedelta(days=1), FIRST + dt.timedelta(days=2)):
        reports.append(demo_taskflow.tick(w.source_uri, w.events_root, day, seed=11))
        # the loads queued what changed, and agg_daily_metrics counted only that
        assert_agg_daily_metrics_as_the_rules_say(w, w.night(day), "changes")
        # the new events read only their task's tail, unless a late one landed before it
        assert_minutes_as_every_fact_sorted_gives(w)
    recomputed = w.wh("SELECT (table_counts -> 'events' ->> 'minutes_recomputed')::int FROM audit.etl_run_log "
                      "ORDER BY started_at")
    assert [n for (n,) in recomputed][1:] != [0, 0]  # the late events changed facts' minutes

    written = {path for r in reports for path in r.files}
    processed = {p for (p,) in w.wh("SELECT path FROM audit.file_manifest")}
    assert processed == written
    assert any(r.late_files for r in reports[1:])  # late files in old partitions were among them

    lines, duplicates = w.wh("SELECT sum(lines), sum(duplicates) FROM audit.file_manifest")[0]
    assert lines == sum(r.lines for r in reports)
    assert w.one("SELECT count(*) FROM core.fact_task_events") == sum(r.valid_events for r in reports)
    assert duplicates == sum(r.duplicates for r in reports)
    reasons = w.wh("SELECT reasons FROM audit.quarantine WHERE source_table = 'taskflow.events' "
                   "AND released_at IS NULL")
    assert len(reasons) == sum(r.conflicting + sum(r.bad_lines.values()) for r in reports)
    assert sum(1 for (r,) in reasons if r == ["conflicting_duplicate"]) == sum(r.conflicting for r in reports)
    logged = w.one("SELECT sum((table_counts -> 'events' ->> 'duplicates')::int) FROM audit.etl_run_log")
    assert logged == duplicates

    # an orphan's row arrived the next day: filled in, its events know their project
    arrived = reports[2].arrived_tasks
    assert arrived
    assert w.wh("SELECT count(*) FROM core.dim_task WHERE task_id = ANY(%s) AND NOT is_inferred", (arrived,)) == [
        (len(arrived),)]
    assert w.one("SELECT count(*) FROM core.fact_task_events f JOIN core.dim_task t USING (task_key) "
                 "WHERE t.task_id = ANY(%s) AND f.project_key IS DISTINCT FROM t.project_key", (arrived,)) == 0
    # the last tick's orphans wait as inferred members, their events loaded
    waiting = reports[2].orphan_tasks
    assert w.one("SELECT count(*) FROM core.dim_task WHERE task_id = ANY(%s) AND is_inferred", (waiting,)) == len(
        waiting)
    assert w.one("SELECT count(*) FROM core.fact_task_events WHERE task_id = ANY(%s)", (waiting,)) > 0
    assert w.wh("SELECT DISTINCT status FROM audit.etl_run_log") == [("success",)]


def assert_agg_daily_metrics_as_the_rules_say(w, ctx, counted: str) -> None:
    """agg_daily_metrics after the night of `ctx` equals the independent pandas computation
    (reference_marts.py) from the warehouse's core tables, every date <= D."""
    day = ctx.business_date
    marts = w.one("SELECT table_counts -> 'marts' FROM audit.etl_run_log WHERE run_id = %s", (ctx.run_id,))
    assert marts["agg_daily_metrics_counted"] == counted
    got = w.frame(f"SELECT {', '.join(AGG_COLUMNS)} FROM marts.agg_daily_metrics WHERE metric_date <= %s", (day,))
    assert_same(got, expected_agg_daily_metrics(core_tables(w), day, "UTC"), ["metric_date", "project_id"])


def assert_minutes_as_every_fact_sorted_gives(w) -> None:
    """minutes_in_previous_status of every fact, and each task's tail (its last task_created or
    status_changed fact), as one sort of every fact in (occurred_at, event_id) order gives them."""
    differing = w.one("""
        WITH ordered AS (
            SELECT event_id, event_type, minutes_in_previous_status AS stored,
                   round(extract(epoch FROM occurred_at - lag(occurred_at) OVER w) / 60, 2) AS minutes
            FROM core.fact_task_events
            WHERE event_type IN ('task_created', 'status_changed')
            WINDOW w AS (PARTITION BY task_id ORDER BY occurred_at, event_id COLLATE "C"))
        SELECT count(*) FROM ordered
        WHERE event_type = 'status_changed' AND stored IS DISTINCT FROM minutes""")
    assert differing == 0
    tails = w.wh("""
        SELECT DISTINCT ON (task_id) task_id, occurred_at, event_id FROM core.fact_task_events
        WHERE event_type IN ('task_created', 'status_changed')
        ORDER BY task_id, occurred_at DESC, event_id COLLATE "C" DESC""")
    assert w.wh("SELECT task_id, occurred_at, event_id FROM core.task_status_tail ORDER BY task_id") == tails
