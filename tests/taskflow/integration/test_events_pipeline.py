"""taskflow_nightly end to end on hand-made worlds: every line of every processed file lands in
exactly one place (the fact, the duplicates count, open quarantine), files are processed once,
late files and orphan events are handled, and reruns and backfills change nothing."""

from __future__ import annotations

import datetime as dt

import pytest

from include.taskflow import event_load
from tests.taskflow.integration.conftest import event, utc

D1, D2, D3 = dt.date(2026, 10, 5), dt.date(2026, 10, 6), dt.date(2026, 10, 7)
SOURCE = "taskflow.events"


def _base(world) -> None:
    """Two users, one project, two tasks created on D1."""
    world.add_user(1, utc(D1, 1))
    world.add_user(2, utc(D1, 1), team="ops")
    world.add_project(10, utc(D1, 1))
    world.add_task(100, 10, utc(D1, 8), status="done", completed=utc(D1, 10), updated=utc(D1, 10), due=D2)
    world.add_task(101, 10, utc(D1, 9), status="in_progress", updated=utc(D1, 11))


def _fact_ids(world) -> list[str]:
    return [r[0] for r in world.wh("SELECT event_id FROM core.fact_task_events ORDER BY event_id")]


def _open_quarantine(world) -> dict[str, list[str]]:
    return {key: reasons for key, reasons in world.wh(
        "SELECT source_key, reasons FROM audit.quarantine WHERE source_table = %s AND released_at IS NULL",
        (SOURCE,))}


def _guarantee(world) -> tuple[int, int, int, int]:
    """(lines in processed files, facts, identical duplicates, open quarantine)."""
    lines, duplicates = world.wh("SELECT sum(lines), sum(duplicates) FROM audit.file_manifest")[0]
    facts = world.one("SELECT count(*) FROM core.fact_task_events")
    quarantined = world.one("SELECT count(*) FROM audit.quarantine WHERE source_table = %s "
                            "AND released_at IS NULL", (SOURCE,))
    return lines, facts, duplicates, quarantined


def test_every_line_is_a_fact_a_duplicate_or_in_quarantine_with_its_reasons(taskflow_world):
    w = taskflow_world
    _base(w)
    good = [
        event("e1", "task_created", 100, utc(D1, 8)),
        event("e2", "status_changed", 100, utc(D1, 9), from_status="todo", to_status="in_progress"),
        event("e3", "status_changed", 100, "2026-10-05T12:00:00+02:00", from_status="in_progress",
              to_status="done"),
        event("e4", "task_created", 101, utc(D1, 9), actor=2),
        event("e5", "assigned", 101, utc(D1, 9, 30), assignee_id=2),
        event("e6", "due_date_changed", 101, utc(D1, 9, 45), due_date=None),
    ]
    first = w.write_file(D1, "a", good)
    bad = [
        good[1],                                                     # 1: identical duplicate of e2
        event("e4", "task_created", 101, utc(D1, 10), actor=2),      # 2: conflicting: another time
        "{not json",                                                 # 3
        '{"event_type": "task_created", "task_id": 100, "occurred_at": "2026-10-05T08:00:00Z"}',  # 4
        event("e7", "task_deleted", 100, utc(D1, 8)),                # 5: unknown type
        event("e8", "status_changed", 100, utc(D1, 8), from_status="todo", to_status="shipped"),  # 6
        event("e9", "task_created", 100, "2026-10-05T08:00:00"),     # 7: no offset
        event("e10", "task_created", 100, "2099-01-01T00:00:00Z"),   # 8: far future
        event("e11", "task_created", 100, "1999-12-31T23:59:59Z"),   # 9: before 2000
        event("e12", "task_created", 100, utc(D2, 23, 59)),          # 10: D+1 23:59 is still plausible
        event("e13", "task_created", 100, utc(D3, 0)),               # 11: interval end + 1 day
    ]
    second = w.write_file(D1, "b", bad, gz=True)
    w.night(D1)

    assert _fact_ids(w) == ["e1", "e12", "e2", "e3", "e4", "e5", "e6"]
    quarantine = _open_quarantine(w)
    assert quarantine == {
        f"{second}:2": ["conflicting_duplicate"],
        f"{second}:3": ["not valid JSON: Expecting property name enclosed in double quotes"],
        f"{second}:4": ["event_id: required value is missing"],
        f"{second}:5": [quarantine[f"{second}:5"][0]],
        f"{second}:6": ["status_changed: from_status and to_status must be statuses"],
        f"{second}:7": ["occurred_at: has_utc_offset"],
        f"{second}:8": ["occurred_ts: occurred_at at or after interval end + 1 day"],
        f"{second}:9": ["occurred_ts: occurred_at before 2000-01-01"],
        f"{second}:11": ["occurred_ts: occurred_at at or after interval end + 1 day"],
    }
    assert "event_type" in quarantine[f"{second}:5"][0]
    payloads = dict(w.wh("SELECT source_key, payload FROM audit.quarantine WHERE source_table = %s", (SOURCE,)))
    assert payloads[f"{second}:3"] == {"path": second, "line_no": 3, "line": "{not json"}
    assert payloads[f"{second}:2"]["event"]["occurred_at"].startswith("2026-10-05T10:00:00")
    assert w.one("SELECT count(*) FROM staging.taskflow_event_lines WHERE raw IS NOT NULL") == 8
    manifest = dict((r[0], r[1:]) for r in w.wh(
        "SELECT path, lines, loaded, duplicates, quarantined FROM audit.file_manifest"))
    assert manifest == {first: (6, 6, 0, 0), second: (11, 1, 1, 9)}
    assert _guarantee(w) == (17, 7, 1, 9)
    counts = w.one("SELECT table_counts -> 'events' FROM audit.etl_run_log")
    assert (counts["duplicates"], counts["loaded"], counts["quarantined"], counts["files"]) == (1, 7, 9, 2)


def test_a_file_is_processed_once_across_reruns_and_later_nights(taskflow_world):
    w = taskflow_world
    _base(w)
    w.write_file(D1, "a", [event("e1", "task_created", 100, utc(D1, 8))])
    w.night(D1)
    w.night(D1)  # a rerun of the night
    w.night(D2)
    assert w.one("SELECT count(*) FROM audit.file_manifest") == 1
    assert _guarantee(w) == (1, 1, 0, 0)


def test_a_late_file_in_an_old_partition_is_picked_up_within_lookback_days(taskflow_world):
    w = taskflow_world
    _base(w)
    w.write_file(D1, "a", [event("e1", "task_created", 100, utc(D1, 8))])
    w.night(D1)
    late = w.write_file(D1, "late", [event("e2", "status_changed", 100, utc(D1, 9), from_status="todo",
                                           to_status="done")])
    too_old = w.write_file(D1 - dt.timedelta(days=8), "ancient", [event("e0", "task_created", 101, utc(D1, 9))])
    w.night(D2)  # lists D2 - 7 = 2026-09-29 .. 2026-10-07
    assert _fact_ids(w) == ["e1", "e2"]
    assert {r[0] for r in w.wh("SELECT path FROM audit.file_manifest")} == {"dt=2026-10-05/a.jsonl", late}
    w.night(D3, lookback_days=30)  # a wider lookback reaches the old partition
    assert too_old in {r[0] for r in w.wh("SELECT path FROM audit.file_manifest")}
    assert _fact_ids(w) == ["e0", "e1", "e2"]


def test_the_event_already_loaded_wins_over_a_conflicting_one_on_a_later_night(taskflow_world):
    w = taskflow_world
    _base(w)
    w.write_file(D1, "a", [event("e1", "task_created", 100, utc(D1, 8))])
    w.night(D1)
    later = w.write_file(D2, "a", [event("e1", "task_created", 101, utc(D2, 8)),
                                   event("e1", "task_created", 100, utc(D1, 8))])
    w.night(D2)
    assert w.wh("SELECT task_id, occurred_at FROM core.fact_task_events") == [(100, utc(D1, 8))]
    assert _open_quarantine(w) == {f"{later}:1": ["conflicting_duplicate"]}
    assert _guarantee(w) == (3, 1, 1, 1)


def test_an_orphan_event_loads_against_an_inferred_task_filled_in_when_the_row_arrives(taskflow_world):
    w = taskflow_world
    _base(w)
    w.write_file(D1, "a", [event("e1", "task_created", 555, utc(D1, 8), actor=77),
                           event("e2", "status_changed", 555, utc(D1, 9), actor=77, from_status="todo",
                                 to_status="done")])
    w.night(D1)
    assert w.wh("SELECT is_inferred, project_id FROM core.dim_task WHERE task_id = 555") == [(True, None)]
    assert w.wh("SELECT count(*), count(project_key) FROM core.fact_task_events WHERE task_id = 555") == [(2, 0)]
    assert w.wh("SELECT is_inferred FROM core.dim_user WHERE user_id = 77") == [(True,)]

    w.add_task(555, 10, utc(D1, 8), status="done", completed=utc(D1, 9), updated=utc(D2, 1))
    w.add_user(77, utc(D2, 1), team="mobile")
    w.night(D2)
    project_key = w.one("SELECT project_key FROM core.dim_project WHERE project_id = 10")
    assert w.wh("SELECT is_inferred, project_key FROM core.dim_task WHERE task_id = 555") == [(False, project_key)]
    assert w.wh("SELECT DISTINCT project_key FROM core.fact_task_events WHERE task_id = 555") == [(project_key,)]
    assert w.wh("SELECT is_inferred, team, count(*) OVER () FROM core.dim_user WHERE user_id = 77") == [
        (False, "mobile", 1)]


def test_minutes_in_previous_status_are_recomputed_when_a_late_event_lands_between(taskflow_world):
    w = taskflow_world
    _base(w)
    w.write_file(D1, "a", [
        event("a1", "task_created", 100, utc(D1, 8)),
        event("a2", "assigned", 100, utc(D1, 8, 30), assignee_id=1),  # not a status event: skipped
        event("a4", "status_changed", 100, utc(D1, 10), from_status="in_progress", to_status="done"),
    ])
    w.night(D1)
    minutes = "SELECT event_id, minutes_in_previous_status FROM core.fact_task_events ORDER BY occurred_at, event_id"
    assert w.wh(minutes) == [("a1", None), ("a2", None), ("a4", 120)]
    w.write_file(D2, "late", [event("a3", "status_changed", 100, "2026-10-05T09:20:20.5+00:00",
                                    from_status="todo", to_status="in_progress")])
    w.night(D2)
    # 08:00 -> 09:20:20.5 is 80.341666 min; 09:20:20.5 -> 10:00 is 39.658333 min
    assert [(e, float(m) if m is not None else None) for e, m in w.wh(minutes)] == [
        ("a1", None), ("a2", None), ("a3", 80.34), ("a4", 39.66)]


def test_a_new_status_change_after_every_fact_of_its_task_counts_from_the_last_of_them(taskflow_world):
    w = taskflow_world
    _base(w)
    w.write_file(D1, "a", [event("a1", "task_created", 100, utc(D1, 8)),
                           event("a2", "status_changed", 100, utc(D1, 9), from_status="todo", to_status="blocked"),
                           event("b1", "task_created", 101, utc(D1, 9))])
    w.night(D1)
    assert w.wh("SELECT task_id, event_id FROM core.task_status_tail ORDER BY task_id") == [(100, "a2"), (101, "b1")]
    w.write_file(D2, "b", [event("a3", "status_changed", 100, utc(D2, 9, 30), from_status="blocked",
                                 to_status="in_progress"),
                           event("a4", "status_changed", 100, utc(D2, 10), from_status="in_progress",
                                 to_status="done"),
                           event("b2", "assigned", 101, utc(D2, 8), assignee_id=2)])  # not a status event
    w.night(D2)
    minutes = "SELECT event_id, minutes_in_previous_status FROM core.fact_task_events ORDER BY occurred_at, event_id"
    assert [(e, float(m) if m is not None else None) for e, m in w.wh(minutes)] == [
        ("a1", None), ("a2", 60.0), ("b1", None), ("b2", None), ("a3", 1470.0), ("a4", 30.0)]
    assert w.wh("SELECT task_id, event_id FROM core.task_status_tail ORDER BY task_id") == [(100, "a4"), (101, "b1")]


def test_a_warehouse_bootstrapped_before_the_tails_takes_them_from_the_facts(taskflow_world):
    w = taskflow_world
    _base(w)
    w.write_file(D1, "a", [event("a1", "task_created", 100, utc(D1, 8)),
                           event("a2", "status_changed", 100, utc(D1, 9), from_status="todo", to_status="done")])
    w.night(D1)
    w.wh("DROP TABLE core.task_status_tail")  # as before the table, whose DDL then changed
    w.wh("UPDATE audit.ddl_version SET fingerprint = 'before the tails' WHERE domain = 'taskflow'")
    w.write_file(D2, "b", [event("a3", "status_changed", 100, utc(D1, 9, 30), from_status="done",
                                 to_status="in_progress")])
    w.night(D2)
    assert w.wh("SELECT task_id, event_id FROM core.task_status_tail") == [(100, "a3")]
    minutes = "SELECT event_id, minutes_in_previous_status FROM core.fact_task_events ORDER BY occurred_at, event_id"
    assert [(e, float(m) if m is not None else None) for e, m in w.wh(minutes)] == [
        ("a1", None), ("a2", 60.0), ("a3", 30.0)]


def test_actor_user_key_is_the_version_valid_at_the_event(taskflow_world):
    w = taskflow_world
    _base(w)
    w.write_file(D1, "a", [event("e1", "task_created", 100, utc(D1, 8))])
    w.night(D1)
    w.add_user(1, utc(D2, 12), team="platform", role="lead")  # changes team at D2 12:00
    w.write_file(D2, "a", [event("e2", "status_changed", 100, utc(D2, 11), from_status="todo", to_status="done"),
                           event("e3", "status_changed", 100, utc(D2, 13), from_status="done",
                                 to_status="in_progress")])
    w.night(D2)
    rows = w.wh("SELECT f.event_id, u.team, u.role FROM core.fact_task_events f "
                "JOIN core.dim_user u ON u.user_key = f.actor_user_key ORDER BY f.occurred_at")
    assert rows == [("e1", "core", "member"), ("e2", "core", "member"), ("e3", "platform", "lead")]
    assert w.wh("SELECT valid_to FROM core.dim_user WHERE user_id = 1 AND NOT is_current") == [(utc(D2, 12),)]


def _snapshot(world) -> dict[str, list[tuple]]:
    tables = {"core.dim_user": "user_id, valid_from", "core.dim_project": "project_id", "core.dim_task": "task_id",
              "core.fact_task_events": "event_id", "core.task_event_ids": "event_id",
              "marts.agg_daily_metrics": "metric_date, project_id", "marts.project_health": "as_of_date, project_id",
              "marts.user_productivity": "as_of_date, user_id"}
    drop = {"run_id", "user_key", "task_key", "project_key", "actor_user_key"}
    out = {}
    for table, order in tables.items():
        schema, name = table.split(".")
        columns = [c for (c,) in world.wh("SELECT column_name FROM information_schema.columns WHERE "
                                          "table_schema = %s AND table_name = %s ORDER BY ordinal_position",
                                          (schema, name)) if c not in drop]
        out[table] = world.wh(f"SELECT {', '.join(columns)} FROM {table} ORDER BY {order}")  # noqa: S608 (test)
    return out


def test_a_rerun_leaves_identical_tables_and_a_backfill_leaves_the_current_state(taskflow_world):
    w = taskflow_world
    _base(w)
    w.write_file(D1, "a", [event("e1", "task_created", 100, utc(D1, 8)),
                           event("e2", "status_changed", 100, utc(D1, 10), from_status="todo", to_status="done")])
    w.night(D1)
    w.add_task(101, 10, utc(D1, 9), status="done", completed=utc(D2, 10), updated=utc(D2, 10))
    w.write_file(D2, "a", [event("e3", "task_created", 101, utc(D1, 9)),
                           event("e4", "status_changed", 101, utc(D2, 10), from_status="todo", to_status="done")])
    w.night(D2)
    current = _snapshot(w)
    w.night(D2)
    assert _snapshot(w) == current
    w.night(D1)  # a backfill of the older night
    after = _snapshot(w)
    assert {k: v for k, v in after.items() if k != "marts.project_health" and k != "marts.user_productivity"} == {
        k: v for k, v in current.items() if k != "marts.project_health" and k != "marts.user_productivity"}
    for mart in ("marts.project_health", "marts.user_productivity"):
        assert [r for r in after[mart] if r[0] == D2] == [r for r in current[mart] if r[0] == D2]


def test_minutes_in_previous_status_order_ties_by_event_id_on_a_first_load_and_after(taskflow_world_factory):
    """(occurred_at, event_id) order, event ids compared byte by byte; the same values whether
    the events come in the first load or later."""
    events = [
        event("e1", "task_created", 100, utc(D1, 8)),
        event("e2", "status_changed", 100, utc(D1, 8), from_status="todo", to_status="in_progress"),
        event("e9", "assigned", 100, utc(D1, 8, 30), assignee_id=2),
        event("b", "status_changed", 100, utc(D1, 9), from_status="blocked", to_status="in_progress"),
        event("a", "status_changed", 100, utc(D1, 9), from_status="in_progress", to_status="blocked"),
        event("E5", "status_changed", 100, utc(D1, 9, 30), from_status="in_progress", to_status="done"),
    ]
    expected = [("e1", None), ("e2", 0), ("e9", None), ("a", 60), ("b", 0), ("E5", 30)]
    minutes = ("SELECT event_id, minutes_in_previous_status FROM core.fact_task_events "
               "ORDER BY occurred_at, event_id COLLATE \"C\"")
    first = taskflow_world_factory()
    _base(first)
    first.write_file(D1, "a", events)
    first.night(D1)
    assert first.wh(minutes) == expected

    later = taskflow_world_factory()
    _base(later)
    later.write_file(D1, "a", [events[0]])
    later.night(D1)
    later.write_file(D1, "b", events[1:])
    later.night(D2)
    assert later.wh(minutes) == expected


def _fact_partitions(world) -> list[tuple[str, int, int]]:
    """(partition, its indexes, how many of them are parts of the fact's indexes)."""
    return world.wh("""
        SELECT c.relname::text,
               (SELECT count(*) FROM pg_index i WHERE i.indrelid = c.oid),
               (SELECT count(*) FROM pg_index i JOIN pg_inherits h ON h.inhrelid = i.indexrelid
                WHERE i.indrelid = c.oid)
        FROM pg_inherits p JOIN pg_class c ON c.oid = p.inhrelid
        WHERE p.inhparent = 'core.fact_task_events'::regclass ORDER BY 1""")


def _build_left(world) -> list[str]:
    return [r[0] for r in world.wh(
        "SELECT relname::text FROM pg_class WHERE relnamespace = 'staging'::regnamespace AND relkind IN ('r', 'p') "
        "AND (relname = 'taskflow_fact_build' OR relname LIKE 'fact\\_task\\_events%%') ORDER BY 1")]


def test_a_first_load_takes_each_built_month_whole_with_the_facts_indexes(taskflow_world):
    """An empty fact's rows are built beside the load (event_load._first_load), one share of the
    tasks per builder: each month becomes the fact's partition, its indexes the parts of the
    fact's (adopted, not built twice), a task's minutes span months and builders' shares, and
    nothing of the build stays in staging."""
    w = taskflow_world
    _base(w)
    w.write_file(D1, "a", [event("e1", "task_created", 100, utc(D1, 8)),
                           event("e0", "task_created", 101, "2026-09-30T23:00:00Z"),
                           event("e2", "status_changed", 101, utc(D1, 9), from_status="todo", to_status="done"),
                           event("e3", "status_changed", 100, utc(D1, 8, 15), from_status="todo", to_status="done")])
    w.night(D1)
    fact_indexes = w.one("SELECT count(*) FROM pg_index WHERE indrelid = 'core.fact_task_events'::regclass")
    assert fact_indexes == 4
    assert _fact_partitions(w) == [("fact_task_events_202609", 4, 4), ("fact_task_events_202610", 4, 4)]
    assert w.wh("SELECT event_id, minutes_in_previous_status FROM core.fact_task_events ORDER BY event_id") == [
        ("e0", None), ("e1", None), ("e2", 6360), ("e3", 15)]  # 4 days 10 h; 15 min
    assert w.wh("SELECT task_id, event_id FROM core.task_status_tail ORDER BY task_id") == [(100, "e3"), (101, "e2")]
    assert _build_left(w) == []


def test_a_first_load_that_fails_after_its_build_loads_nothing_and_its_retry_loads_everything(
        taskflow_world, monkeypatch):
    """The builders commit their rows in staging, and the load's own transaction takes them or
    nothing: a failure leaves the fact, the registry, quarantine and the manifest empty (only
    the inferred member the new lines need stays, committed before the build), and the next
    attempt builds again from scratch."""
    w = taskflow_world
    _base(w)
    w.write_file(D1, "a", [event("e1", "task_created", 100, utc(D1, 8)),
                           event("e1", "task_created", 100, utc(D1, 8)),      # an identical duplicate
                           event("e2", "task_created", 555, utc(D1, 9)),      # a task not in the database
                           "{not json"])
    record = event_load._record

    def fail(*args, **kwargs):
        raise RuntimeError("the load fails after its build")

    monkeypatch.setattr(event_load, "_record", fail)
    with pytest.raises(RuntimeError, match="after its build"):
        w.night(D1)
    assert w.wh("SELECT (SELECT count(*) FROM core.fact_task_events), (SELECT count(*) FROM core.task_event_ids), "
                "(SELECT count(*) FROM audit.quarantine), (SELECT count(*) FROM audit.file_manifest), "
                "(SELECT count(*) FROM core.task_status_tail)") == [(0, 0, 0, 0, 0)]
    assert w.wh("SELECT task_id FROM core.dim_task WHERE is_inferred") == [(555,)]
    assert _build_left(w) == ["fact_task_events_202610", "taskflow_fact_build"]

    monkeypatch.setattr(event_load, "_record", record)
    w.night(D1)
    assert _fact_ids(w) == ["e1", "e2"]
    assert _guarantee(w) == (4, 2, 1, 1)
    assert _build_left(w) == []
