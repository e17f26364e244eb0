"""The staged event lines: a partition of staging.taskflow_event_lines per run, so that a night
reads its own lines only; finish keeps the run's batch and drops the finished ones."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from include.warehouse_kit import staging
from tests.taskflow.integration.conftest import event, utc
from tests.taskflow.integration.test_events_pipeline import _base, _fact_ids, _guarantee

D1, D2 = dt.date(2026, 10, 5), dt.date(2026, 10, 6)
LINES = "staging.taskflow_event_lines"


def _partitions(world) -> dict[str, int]:
    """{partition name: its rows}."""
    names = [r[0] for r in world.wh(
        "SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid "
        "WHERE i.inhparent = 'staging.taskflow_event_lines'::regclass")]
    return {name: world.one(f'SELECT count(*) FROM staging."{name}"') for name in names}


def test_each_night_stages_its_lines_in_a_partition_of_its_own_and_finish_drops_the_previous_one(taskflow_world):
    w = taskflow_world
    _base(w)
    w.write_file(D1, "a", [event("e1", "task_created", 100, utc(D1, 8)), "not json"])
    first = w.night(D1)
    assert _partitions(w) == {staging.run_partition(LINES, first.run_id)[1]: 2}   # kept after its run
    w.write_file(D2, "b", [event("e2", "task_created", 101, utc(D2, 8))])
    second = w.night(D2)
    assert _partitions(w) == {staging.run_partition(LINES, second.run_id)[1]: 1}
    assert _fact_ids(w) == ["e1", "e2"]
    assert _guarantee(w) == (3, 2, 0, 1)


def test_a_warehouse_staged_before_the_partitions_reads_the_files_of_its_unfinished_run_again(taskflow_world):
    w = taskflow_world
    _base(w)
    w.write_file(D1, "a", [event("e1", "task_created", 100, utc(D1, 8))])
    w.night(D1)
    # the previous release's staging: one table for every run, and a run that staged a file and
    # stopped before its load
    w.wh("DROP TABLE staging.taskflow_event_lines")
    w.wh("CREATE UNLOGGED TABLE staging.taskflow_event_lines (run_id text NOT NULL, path text NOT NULL, "
         "line_no integer NOT NULL, dt date NOT NULL, event_id text)")
    late = w.write_file(D1, "late", [event("e2", "task_created", 101, utc(D1, 9))])
    w.wh("INSERT INTO staging.taskflow_event_lines VALUES ('stopped', %s, 1, %s, 'e2')", (late, D1))
    w.wh("INSERT INTO staging.taskflow_event_files VALUES ('stopped', %s, %s, 1, 'x', 1)", (late, D1))
    w.wh("DELETE FROM audit.ddl_version")   # the new release's DDL is applied by the next run

    w.night(D2)

    assert w.one("SELECT count(*) FROM pg_partitioned_table WHERE partrelid = %s::regclass", (LINES,)) == 1
    assert w.one("SELECT count(*) FROM staging.taskflow_event_files WHERE run_id = 'stopped'") == 0
    assert _fact_ids(w) == ["e1", "e2"]   # the stopped run's file, read again by the next night
    assert _guarantee(w) == (2, 2, 0, 0)


@pytest.mark.parametrize("in_worker", [False, True], ids=["checked_here", "checked_in_a_worker_process"])
def test_duplicates_and_conflicts_across_the_groups_of_a_run_are_found_as_within_one(taskflow_world, monkeypatch,
                                                                                     in_worker):
    from include.taskflow import events

    monkeypatch.setattr(events, "STAGE_ROWS", 1)  # every line a group of its own
    if in_worker:  # as a large run is: more groups than the worker is handed ahead
        monkeypatch.setattr(events, "WORKER_MIN_BYTES", 0)
    w = taskflow_world
    _base(w)
    e1 = event("e1", "task_created", 100, utc(D1, 8))
    e2 = event("e2", "task_created", 101, utc(D1, 9))
    w.write_file(D1, "a", [e1, e2])
    second = w.write_file(D1, "b", [e2, event("e1", "task_created", 100, utc(D1, 10))])  # dup, conflict
    w.write_file(D1, "c", [e2, event("e3", "status_changed", 100, utc(D1, 11), from_status="todo",
                                     to_status="done")])
    run = w.night(D1)
    assert _fact_ids(w) == ["e1", "e2", "e3"]
    assert _guarantee(w) == (6, 3, 2, 1)
    assert [r[0] for r in w.wh("SELECT source_key FROM audit.quarantine")] == [f"{second}:2"]
    keys = dict(((kind, ident), lines) for kind, ident, lines in w.wh(
        "SELECT kind, id, lines FROM staging.taskflow_event_keys WHERE run_id = %s AND kind = 'task'",
        (run.run_id,)))
    assert keys == {("task", 100): 3, ("task", 101): 3}  # every valid line, summed over the groups


def test_an_id_taken_for_a_repeat_that_is_on_one_line_loads_as_any_other(taskflow_world, monkeypatch):
    from include.taskflow import events

    # what a hash shared by two ids does: every valid id of the run reported as repeated
    monkeypatch.setattr(events.RepeatedIds, "ids", lambda self: ["e1", "e2", "e3"])
    w = taskflow_world
    _base(w)
    w.write_file(D1, "a", [event("e1", "task_created", 100, utc(D1, 8)), event("e2", "task_created", 101, utc(D1, 9))])
    w.write_file(D1, "b", [event("e2", "task_created", 101, utc(D1, 9)), event("e3", "task_created", 101, utc(D1, 10))])
    w.night(D1)
    assert _fact_ids(w) == ["e1", "e2", "e3"]
    assert _guarantee(w) == (4, 3, 1, 0)


def test_a_file_larger_than_a_group_is_staged_across_groups_and_recorded_once(taskflow_world, monkeypatch):
    from include.taskflow import events

    monkeypatch.setattr(events, "STAGE_ROWS", 2)  # the 5-line file spans three groups
    w = taskflow_world
    _base(w)
    e1 = event("e1", "task_created", 100, utc(D1, 8))
    big = w.write_file(D1, "a_big", [e1, event("e2", "task_created", 101, utc(D1, 9)), e1, "not json",
                                     event("e3", "status_changed", 100, utc(D1, 10), from_status="todo",
                                           to_status="done")])
    empty = w.write_file(D1, "b_empty", [])
    small = w.write_file(D1, "c_small", [event("e4", "task_created", 102, utc(D1, 11))])
    w.night(D1)
    assert _fact_ids(w) == ["e1", "e2", "e3", "e4"]
    assert sorted(w.wh("SELECT path, lines, duplicates FROM audit.file_manifest")) == [
        (big, 5, 1), (empty, 0, 0), (small, 1, 0)]
    assert [r[0] for r in w.wh("SELECT source_key FROM audit.quarantine")] == [f"{big}:4"]
    assert w.wh("SELECT source_path, source_line FROM core.fact_task_events ORDER BY event_id") == [
        (big, 1), (big, 2), (big, 5), (small, 1)]
    assert _guarantee(w) == (6, 4, 1, 1)


def test_the_groups_a_worker_process_checks_are_the_ones_checked_here(taskflow_world, monkeypatch):
    from include.taskflow import events
    from include.taskflow.contracts import EVENTS, events_url
    from include.warehouse_kit import object_store

    w = taskflow_world
    monkeypatch.setattr(events, "STAGE_ROWS", 3)
    w.write_file(D1, "a", [event("e1", "task_created", 100, utc(D1, 8)), "not json",
                           event("e2", "status_changed", 100, utc(D1, 9), from_status="todo", to_status="done"),
                           event("e3", "task_created", 101, "2026-10-05T10:00:00")])   # no offset
    w.write_file(D1, "b", [event("e1", "task_created", 100, utc(D1, 8)), event("e4", "assigned", 101, utc(D1, 11))],
                 gz=True)
    w.write_file(D2, "c", [event(f"f{i}", "task_created", 200 + i, utc(D2, 1 + i)) for i in range(7)])
    root = events_url()
    files = object_store.list_partitioned_files(root, key=EVENTS.partition_key, suffixes=EVENTS.suffixes)
    ctx = w.context(D2)

    def checked(min_bytes: int) -> list:
        monkeypatch.setattr(events, "WORKER_MIN_BYTES", min_bytes)
        return list(events.parsed_groups(root, files, ctx))

    here, in_worker = checked(10**12), checked(0)
    assert len(here) == len(in_worker) == 5 > events.GROUPS_AHEAD
    for (group, lines, keys), (w_group, w_lines, w_keys) in zip(here, in_worker, strict=True):
        assert (group.files, group.line_numbers) == (w_group.files, w_group.line_numbers)
        pd.testing.assert_frame_equal(lines, w_lines)
        pd.testing.assert_frame_equal(keys, w_keys)
    assert sorted(int(k) for _, lines, _ in here for k in lines["line_key"]) == list(range(1, 14))  # every line once
