"""TaskFlow's marts (issue 17, "Marts") on a real PostgreSQL: each rule on a hand-made world with
hand-computed expectations, the nights (backfill, rerun, a failed check), and a randomised world
compared row by row with an independent pandas computation (reference_marts.py).

Business day D = 2026-10-05 unless a test says otherwise: cutoff = 2026-10-06 00:00 in the
business timezone (UTC unless a test sets America/New_York).
"""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal

import pytest

from include.taskflow import marts
from tests.taskflow.integration import marts_world
from tests.taskflow.integration.marts_world import KEYS, utc
from tests.taskflow.integration.reference_marts import assert_same, expected_marts

D = dt.date(2026, 10, 5)
CUTOFF = utc(2026, 10, 6, 0)


@pytest.fixture
def world(admin_uri):
    with marts_world.created(admin_uri) as w:
        yield w


def agg(world, where: str = "true") -> dict[tuple, dict]:
    """agg_daily_metrics as {(metric_date, project_id): the other columns}."""
    rows = world.mart("agg_daily_metrics", where).to_dict("records")
    return {(r.pop("metric_date"), r.pop("project_id")): r for r in rows}


def health(world, day: dt.date = D) -> dict[int, dict]:
    rows = world.mart("project_health", f"as_of_date = '{day}'").to_dict("records")
    return {r.pop("project_id"): {k: v for k, v in r.items() if k != "as_of_date"} for r in rows}


def productivity(world, day: dt.date = D) -> dict[int, dict]:
    rows = world.mart("user_productivity", f"as_of_date = '{day}'").to_dict("records")
    return {r.pop("user_id"): {k: v for k, v in r.items() if k != "as_of_date"} for r in rows}


def one_project_world(world, project_id: int = 1) -> None:
    world.add_project(project_id)
    world.add_user(7, "alpha")


# --- agg_daily_metrics ------------------------------------------------------------------------

def test_a_task_counts_unless_it_is_inferred_or_deleted_before_the_cutoff(world):
    one_project_world(world)
    world.add_task(1, 1)                                            # counts
    world.add_task(2, 1, deleted_at=utc(2026, 10, 5, 23, 59, 59))   # deleted before the cutoff
    world.add_task(3, 1, deleted_at=CUTOFF)                         # deleted at the cutoff: counts
    world.add_task(4, None, inferred=True)                          # inferred: never counts
    for task in (1, 2, 3, 4):
        world.add_event(f"c{task}", task, "task_created", utc(2026, 10, 3))
        world.done(f"d{task}", task, utc(2026, 10, 4))
    world.night(D)
    rows = agg(world)
    assert set(rows) == {(dt.date(2026, 10, 3), 1), (dt.date(2026, 10, 4), 1)}
    assert rows[(dt.date(2026, 10, 3), 1)]["tasks_created"] == 2
    assert rows[(dt.date(2026, 10, 4), 1)]["tasks_completed"] == 2


def test_done_events_and_reopened_are_status_changes_and_any_event_makes_a_row(world):
    one_project_world(world)
    world.add_task(1, 1)
    day = dt.date(2026, 10, 4)
    world.add_event("a", 1, "status_changed", utc(2026, 10, 4, 1), from_status="todo", to_status="done")
    world.add_event("b", 1, "status_changed", utc(2026, 10, 4, 2), from_status="done", to_status="todo")
    world.add_event("c", 1, "status_changed", utc(2026, 10, 4, 3), from_status="todo", to_status="cancelled")
    world.add_event("d", 1, "status_changed", utc(2026, 10, 4, 4), from_status="done", to_status="done")
    world.add_event("e", 1, "assigned", utc(2026, 10, 3))           # the only event of 10-03
    world.add_event("f", 1, "due_date_changed", utc(2026, 10, 2))   # the only event of 10-02
    world.night(D)
    rows = agg(world)
    assert rows[(day, 1)]["tasks_completed"] == 2        # a and d
    assert rows[(day, 1)]["reopened"] == 1               # b (done -> todo), not d (done -> done)
    assert rows[(day, 1)]["tasks_created"] == 0
    for quiet in (dt.date(2026, 10, 3), dt.date(2026, 10, 2)):
        assert rows[(quiet, 1)] == {"tasks_created": 0, "tasks_completed": 0, "completed_with_due_date": 0,
                                    "completed_on_time": 0, "on_time_rate": None, "reopened": 0,
                                    "avg_cycle_hours": None}


def test_on_time_is_against_the_tasks_current_due_date(world):
    one_project_world(world)
    world.add_task(1, 1, due_date=dt.date(2026, 10, 4))   # done on its due date: on time
    world.add_task(2, 1, due_date=dt.date(2026, 10, 3))   # done the day after: late
    world.add_task(3, 1, due_date=None)                   # no due date: neither
    world.add_task(4, 1, due_date=dt.date(2026, 10, 9))   # the event said 10-01, the task says 10-09 now
    world.add_event("due", 4, "due_date_changed", utc(2026, 10, 1))
    for task in (1, 2, 3, 4):
        world.done(f"d{task}", task, utc(2026, 10, 4, 23, 59, 59))
    world.night(D)
    row = agg(world)[(dt.date(2026, 10, 4), 1)]
    assert (row["tasks_completed"], row["completed_with_due_date"], row["completed_on_time"]) == (4, 3, 2)
    assert row["on_time_rate"] == Decimal("0.6667")


def test_on_time_rate_is_null_when_no_done_event_has_a_due_date(world):
    one_project_world(world)
    world.add_task(1, 1, due_date=None)
    world.done("d1", 1, utc(2026, 10, 4))
    world.night(D)
    row = agg(world)[(dt.date(2026, 10, 4), 1)]
    assert (row["tasks_completed"], row["completed_with_due_date"], row["on_time_rate"]) == (1, 0, None)


def test_on_time_rate_rounds_half_away_from_zero(world):
    # project 1: 1 of 8 on time = 0.125 exactly; project 2: 1 of 32 = 0.03125 -> 0.0313 (not 0.0312)
    for project, done, on_time in ((1, 8, 1), (2, 32, 1)):
        world.add_project(project)
        for n in range(done):
            task = project * 100 + n
            world.add_task(task, project, due_date=dt.date(2026, 10, 4) if n < on_time else dt.date(2026, 10, 1))
            world.done(f"d{task}", task, utc(2026, 10, 4))
    world.night(D)
    rows = agg(world)
    assert rows[(dt.date(2026, 10, 4), 1)]["on_time_rate"] == Decimal("0.1250")
    assert rows[(dt.date(2026, 10, 4), 2)]["on_time_rate"] == Decimal("0.0313")


def test_avg_cycle_hours_is_from_created_at_to_each_done_event_rounded_half_away_from_zero(world):
    created = utc(2026, 10, 1, 0)
    for project in (1, 2, 3):
        world.add_project(project)
    # project 1: 2 h and 4 h -> 3.00
    world.add_task(11, 1, created_at=created)
    world.add_task(12, 1, created_at=created)
    world.done("a", 11, created + dt.timedelta(hours=2))
    world.done("b", 12, created + dt.timedelta(hours=4))
    # project 2: 1.005 h (3618 s) -> 1.01; a float would round 1.005 down to 1.00
    world.add_task(21, 2, created_at=created)
    world.done("c", 21, created + dt.timedelta(seconds=3618))
    # project 3: 2.675 h on average (9000 s and 10260 s) -> 2.68; round(2.675, 2) in floats is 2.67
    world.add_task(31, 3, created_at=created)
    world.add_task(32, 3, created_at=created)
    world.done("d", 31, created + dt.timedelta(seconds=9000))
    world.done("e", 32, created + dt.timedelta(seconds=10260))
    world.night(D)
    rows = agg(world)
    assert rows[(dt.date(2026, 10, 1), 1)]["avg_cycle_hours"] == Decimal("3.00")
    assert rows[(dt.date(2026, 10, 1), 2)]["avg_cycle_hours"] == Decimal("1.01")
    assert rows[(dt.date(2026, 10, 1), 3)]["avg_cycle_hours"] == Decimal("2.68")


def test_events_at_or_after_the_cutoff_wait_for_their_night(world):
    one_project_world(world)
    world.add_task(1, 1)
    world.add_event("before", 1, "task_created", utc(2026, 10, 5, 23, 59, 59))
    world.done("at", 1, CUTOFF)
    _, counts = world.night(D)
    rows = agg(world)
    assert set(rows) == {(D, 1)} and (rows[(D, 1)]["tasks_created"], rows[(D, 1)]["tasks_completed"]) == (1, 0)
    assert counts["agg_daily_metrics"] == 1
    world.night(D + dt.timedelta(days=1))
    assert agg(world)[(dt.date(2026, 10, 6), 1)]["tasks_completed"] == 1


def test_a_late_deletion_restates_every_earlier_date(world):
    one_project_world(world)
    world.add_task(1, 1)
    world.add_event("c", 1, "task_created", utc(2026, 9, 1))
    world.night(D)
    assert agg(world)[(dt.date(2026, 9, 1), 1)]["tasks_created"] == 1
    world.update_task(1, deleted_at=utc(2026, 10, 6, 9))
    _, counts = world.night(D + dt.timedelta(days=1))
    assert agg(world) == {}
    assert (counts["agg_daily_metrics_restated"], counts["agg_daily_metrics_rows_removed"]) == (True, 1)


# --- project_health ---------------------------------------------------------------------------

def test_project_health_has_one_row_per_live_non_inferred_project(world):
    world.add_project(1)                                              # live, no tasks at all
    world.add_project(2, archived_at=utc(2026, 10, 5, 12))            # archived before the cutoff
    world.add_project(3, archived_at=CUTOFF)                          # archived at the cutoff: kept
    world.add_project(4, archived_at=utc(2026, 10, 9))                # archived later: kept
    world.add_project(5, inferred=True)                               # inferred: left out
    world.night(D)
    assert health(world) == {p: {"open_tasks": 0, "overdue_tasks": 0, "completed_30d": 0, "on_time_rate_30d": None}
                             for p in (1, 3, 4)}


def test_open_tasks_are_counting_tasks_not_done_or_cancelled_and_overdue_ones_are_due_before_d(world):
    world.add_project(1)
    world.add_task(1, 1, status="todo", due_date=dt.date(2026, 10, 4))          # open, overdue
    world.add_task(2, 1, status="in_progress", due_date=D)                      # open, due on D: not overdue
    world.add_task(3, 1, status="blocked", due_date=None)                       # open
    world.add_task(4, 1, status="done", due_date=dt.date(2026, 9, 1))           # not open
    world.add_task(5, 1, status="cancelled", due_date=dt.date(2026, 9, 1))      # not open
    world.add_task(6, 1, status="todo", due_date=dt.date(2026, 9, 1), deleted_at=utc(2026, 10, 2))  # not counting
    world.add_task(7, 1, status="todo", due_date=dt.date(2026, 9, 1), deleted_at=utc(2026, 10, 7))  # counts
    world.night(D)
    assert health(world)[1] == {"open_tasks": 4, "overdue_tasks": 2, "completed_30d": 0, "on_time_rate_30d": None}


def test_completed_30d_counts_done_events_from_cutoff_minus_30_days_to_the_cutoff(world):
    one_project_world(world)
    for task, at in ((1, utc(2026, 9, 6, 0)),              # cutoff - 30 days: in
                     (2, utc(2026, 9, 5, 23, 59, 59)),     # just before: out
                     (3, utc(2026, 10, 5, 23, 59, 59)),    # just before the cutoff: in
                     (4, CUTOFF)):                         # the cutoff: out
        world.add_task(task, 1, status="done", due_date=dt.date(2026, 9, 6))
        world.done(f"d{task}", task, at, actor_id=7)
    world.night(D)
    assert health(world)[1] == {"open_tasks": 0, "overdue_tasks": 0, "completed_30d": 2,
                                "on_time_rate_30d": Decimal("0.5000")}
    assert productivity(world) == {7: {"team": "alpha", "completed_7d": 1, "completed_30d": 2}}


def test_on_time_rate_30d_is_over_the_windows_done_events_with_a_due_date(world):
    world.add_project(1)
    world.add_project(2)
    for n in range(32):   # project 1: 1 of 32 on time -> 0.0313
        world.add_task(100 + n, 1, due_date=dt.date(2026, 10, 1) if n == 0 else dt.date(2026, 9, 20))
        world.done(f"a{n}", 100 + n, utc(2026, 10, 1))
    for n, due in enumerate((dt.date(2026, 10, 1), dt.date(2026, 10, 2), dt.date(2026, 9, 1), None)):
        world.add_task(200 + n, 2, due_date=due, status="done")   # 2 of 3 with a due date on time
        world.done(f"b{n}", 200 + n, utc(2026, 10, 1))
    world.night(D)
    assert health(world)[1]["on_time_rate_30d"] == Decimal("0.0313")
    assert health(world)[2] == {"open_tasks": 0, "overdue_tasks": 0, "completed_30d": 4,
                                "on_time_rate_30d": Decimal("0.6667")}


# --- user_productivity ------------------------------------------------------------------------

def test_user_productivity_counts_non_inferred_actors_with_their_current_team(world):
    world.add_project(1)
    world.add_user(1, "alpha", versions=((utc(2026, 10, 1), "beta"),))   # moved to beta on 10-01
    world.add_user(2, inferred=True)                                      # an actor not yet in users
    world.add_user(3, "gamma")
    world.add_user(4, "delta")
    world.add_task(1, 1)
    world.add_task(2, 1, deleted_at=utc(2026, 10, 3))                     # does not count
    world.done("a", 1, utc(2026, 9, 20), actor_id=1)                      # done while in alpha
    world.done("b", 1, utc(2026, 10, 2), actor_id=1)
    world.done("c", 1, utc(2026, 10, 2), actor_id=2)
    world.done("d", 1, utc(2026, 10, 2), actor_id=None)
    world.done("e", 1, utc(2026, 8, 1), actor_id=3)                       # outside the 30 days
    world.done("f", 2, utc(2026, 10, 2), actor_id=4)                      # a deleted task
    world.add_event("g", 1, "assigned", utc(2026, 10, 2), actor_id=4)     # not a done event
    world.night(D)
    assert productivity(world) == {1: {"team": "beta", "completed_7d": 1, "completed_30d": 2}}


# --- the business timezone --------------------------------------------------------------------

def test_a_non_utc_business_timezone_sets_every_date_and_window(world, monkeypatch):
    monkeypatch.setenv("ETL_BUSINESS_TZ", "America/New_York")   # cutoff of D: 2026-10-06 04:00Z (EDT)
    world.add_project(1)
    world.add_project(2, archived_at=utc(2026, 10, 6, 3))       # before New York's cutoff: left out
    world.add_user(7, "alpha")
    world.add_task(1, 1, due_date=D, created_at=utc(2026, 10, 1, 4))
    world.add_task(2, 1, deleted_at=utc(2026, 10, 6, 3, 59))    # deleted before New York's cutoff
    world.add_task(3, 1, deleted_at=utc(2026, 10, 6, 4))        # at the cutoff: counts
    world.add_event("c1", 1, "task_created", utc(2026, 10, 5, 3, 59))   # New York 10-04 23:59
    world.done("d1", 1, utc(2026, 10, 6, 3, 30), actor_id=7)            # New York 10-05 23:30: on time
    world.done("d2", 1, utc(2026, 10, 6, 4), actor_id=7)                # New York 10-06 00:00: next night
    world.done("d3", 3, utc(2026, 9, 6, 3, 59), actor_id=7)             # before New York's 09-06 00:00
    world.done("d4", 3, utc(2026, 9, 6, 4), actor_id=7)                 # New York 09-06 00:00: in the window
    world.add_event("c2", 2, "task_created", utc(2026, 10, 5))
    world.night(D)
    rows = agg(world)
    assert set(rows) == {(dt.date(2026, 10, 4), 1), (D, 1), (dt.date(2026, 9, 5), 1), (dt.date(2026, 9, 6), 1)}
    assert rows[(D, 1)]["completed_on_time"] == 1 and rows[(D, 1)]["avg_cycle_hours"] == Decimal("119.50")
    assert rows[(dt.date(2026, 10, 4), 1)]["tasks_created"] == 1
    assert health(world) == {1: {"open_tasks": 2, "overdue_tasks": 0, "completed_30d": 2,
                                 "on_time_rate_30d": Decimal("1.0000")}}
    assert productivity(world) == {7: {"team": "alpha", "completed_7d": 1, "completed_30d": 2}}


def test_the_30_day_window_is_30_calendar_days_across_a_dst_change(world, monkeypatch):
    # New York leaves daylight saving time on 2026-11-01: the window of D = 2026-11-05 starts at
    # New York's 10-07 00:00 (04:00Z, EDT) and ends at 11-06 00:00 (05:00Z, EST): 30 calendar days.
    monkeypatch.setenv("ETL_BUSINESS_TZ", "America/New_York")
    one_project_world(world)
    world.add_task(1, 1)
    world.done("out", 1, utc(2026, 10, 7, 3, 59), actor_id=7)
    world.done("in", 1, utc(2026, 10, 7, 4), actor_id=7)
    world.done("last", 1, utc(2026, 11, 6, 4, 59), actor_id=7)
    world.night(dt.date(2026, 11, 5))
    assert health(world, dt.date(2026, 11, 5))[1]["completed_30d"] == 2
    assert productivity(world, dt.date(2026, 11, 5))[7]["completed_7d"] == 1


# --- nights -----------------------------------------------------------------------------------

def small_world(world) -> None:
    """Two projects, three users, a handful of tasks and events around D."""
    world.add_project(1)
    world.add_project(2, category="dev")
    for user, team in ((1, "alpha"), (2, "beta"), (3, None)):
        world.add_user(user, team)
    for task, project in ((1, 1), (2, 1), (3, 2), (4, 2)):
        world.add_task(task, project, due_date=dt.date(2026, 10, 3 + task), created_at=utc(2026, 9, 28))
        world.add_event(f"c{task}", task, "task_created", utc(2026, 9, 28, 9))
        world.done(f"d{task}", task, utc(2026, 10, task, 15), actor_id=1 + task % 3)


def test_counts_are_returned_and_recorded_in_the_run_log(world):
    small_world(world)
    ctx, counts = world.night(D)
    # cells: 09-28 of both projects, and the day each task was done
    assert counts == {"agg_daily_metrics": 6, "agg_daily_metrics_restated": True, "agg_daily_metrics_rows_removed": 0,
                      "agg_daily_metrics_rows_added": 6, "agg_daily_metrics_counted": "every fact",
                      "agg_daily_metrics_cells_written": 6, "latest_night": str(D), "project_health": 2,
                      "user_productivity": 3, "snapshots_kept": False}
    logged = world.sql("SELECT table_counts -> 'marts' FROM audit.etl_run_log WHERE run_id = %s", (ctx.run_id,))
    assert logged == [(counts,)]
    # the next night counts what changed: task 1 done again on D+1, a new cell
    world.done("d1_again", 1, utc(2026, 10, 6, 9), from_status="todo")
    _, counts = world.night(D + dt.timedelta(days=1))
    assert (counts["agg_daily_metrics_counted"], counts["agg_daily_metrics_cells_written"],
            counts["agg_daily_metrics_rows_added"], counts["agg_daily_metrics"]) == ("changes", 1, 1, 7)


def test_every_check_is_logged_under_its_marts_name_and_passes(world):
    small_world(world)
    ctx, _ = world.night(D)
    checks = world.check(ctx)
    assert {c.check for c in checks} == {
        "marts.agg_daily_metrics.restated_through", "marts.agg_daily_metrics.unique_key",
        "marts.agg_daily_metrics.totals_match_facts", "marts.agg_daily_metrics.counts_not_negative",
        "marts.agg_daily_metrics.parts_within_wholes", "marts.agg_daily_metrics.ratios_within_0_1",
        "marts.agg_daily_metrics.on_time_rate_null_exactly_without_due_dates",
        "marts.agg_daily_metrics.on_time_rate_is_on_time_over_with_due_date",
        "marts.agg_daily_metrics.avg_cycle_hours_null_without_done_events",
        "marts.project_health.unique_key", "marts.project_health.one_row_per_live_project",
        "marts.project_health.completed_30d_matches_facts", "marts.project_health.counts_not_negative",
        "marts.project_health.overdue_within_open", "marts.project_health.ratios_within_0_1",
        "marts.project_health.on_time_rate_30d_null_without_done_events",
        "marts.user_productivity.unique_key", "marts.user_productivity.completed_matches_facts",
        "marts.user_productivity.every_user_matches_facts", "marts.user_productivity.completed_in_30_days",
        "marts.user_productivity.completed_7d_within_30d"}
    assert {c.status for c in checks} == {"pass"}
    logged = world.sql("SELECT \"check\", status FROM audit.data_quality_log WHERE run_id = %s", (ctx.run_id,))
    assert sorted(logged) == sorted((c.check, "pass") for c in checks)   # once each: check_marts replaced them
    totals = next(c for c in checks if c.check == "marts.agg_daily_metrics.totals_match_facts")
    assert totals.observed == totals.expected == "tasks_created=4, tasks_completed=4"


def test_a_failed_check_rolls_the_build_back_logs_it_and_raises(world):
    small_world(world)
    world.night(D)
    before = world.digest()
    # a fact whose task is not in dim_task: the facts count it, the mart (joined on the task) cannot
    world.sql("INSERT INTO core.fact_task_events (event_id, event_type, task_key, date_key, occurred_at, task_id, "
              "source_path, source_line) VALUES ('orphan', 'task_created', 999, 20261005, %s, 999, 'x', 1)",
              (utc(2026, 10, 5),))
    with pytest.raises(marts.MartCheckError, match="marts.agg_daily_metrics.totals_match_facts"):
        world.night(D + dt.timedelta(days=1), run_id="failing")
    assert world.digest() == before
    assert world.sql("SELECT max(business_date) FROM marts.taskflow_published_nights") == [(D,)]
    logged = dict(world.sql("SELECT \"check\", status FROM audit.data_quality_log WHERE run_id = 'failing'"))
    assert logged["marts.agg_daily_metrics.totals_match_facts"] == "fail"
    assert logged["marts.project_health.unique_key"] == "pass"
    assert world.sql("SELECT table_counts FROM audit.etl_run_log WHERE run_id = 'failing'") == [({},)]


def test_check_marts_rechecks_the_published_marts_and_raises_on_a_broken_rule(world):
    small_world(world)
    ctx, _ = world.night(D)
    world.sql("UPDATE marts.project_health SET overdue_tasks = open_tasks + 1 WHERE as_of_date = %s AND project_id = 1",
              (D,))
    with pytest.raises(marts.MartCheckError, match="marts.project_health.overdue_within_open: observed 1 rows"):
        world.check(ctx)
    logged = dict(world.sql("SELECT \"check\", status FROM audit.data_quality_log WHERE run_id = %s", (ctx.run_id,)))
    assert logged["marts.project_health.overdue_within_open"] == "fail"


def test_check_marts_fails_for_a_night_that_was_never_published(world):
    small_world(world)
    with pytest.raises(marts.MartCheckError, match="marts.agg_daily_metrics.restated_through"):
        world.check(marts_world.night_context(D))


def test_a_rerun_of_a_night_leaves_identical_tables(world):
    small_world(world)
    for day in (D - dt.timedelta(days=1), D):
        world.night(day)
    before = world.digest()
    _, counts = world.night(D)
    assert (counts["agg_daily_metrics_rows_removed"], counts["agg_daily_metrics_rows_added"]) == (0, 0)
    world.night(D - dt.timedelta(days=1))
    assert world.digest() == before


def test_a_backfill_of_an_older_night_leaves_agg_daily_metrics_and_newer_snapshots_untouched(world):
    small_world(world)
    older = D - dt.timedelta(days=2)
    for day in (older, D):
        world.night(day)
    before = world.digest()
    snapshots_before = world.mart("project_health")
    # the warehouse moves on: a late event of an old date, a task deleted
    world.add_event("late", 1, "task_created", utc(2026, 10, 1, 8))
    world.update_task(4, deleted_at=utc(2026, 10, 5, 20))
    _, counts = world.night(older)
    assert world.digest() == before
    assert (counts["agg_daily_metrics_restated"], counts["latest_night"], counts["snapshots_kept"]) == (
        False, str(D), True)
    # a night never built before is filled in, from the warehouse as it is; the rest stays
    gap = D - dt.timedelta(days=1)
    _, counts = world.night(gap)
    assert (counts["agg_daily_metrics_restated"], counts["snapshots_kept"], counts["project_health"]) == (
        False, False, 2)
    after = world.digest()
    assert after["agg_daily_metrics"] == before["agg_daily_metrics"]
    assert world.mart("project_health", f"as_of_date <> '{gap}'").equals(snapshots_before)
    # the next night restates every date with what changed
    world.night(D + dt.timedelta(days=1))
    assert agg(world)[(dt.date(2026, 10, 1), 1)]["tasks_created"] == 1
    assert (dt.date(2026, 10, 4), 2) not in agg(world)   # task 4 was done on 10-04, then deleted


def test_the_page_queries_have_their_indexes(world):
    indexes = {name: definition for name, definition in world.sql(
        "SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = 'marts' "
        "AND tablename IN ('agg_daily_metrics', 'project_health', 'user_productivity')")}
    definitions = {d.split(" USING btree ")[1] for d in indexes.values()}
    assert {"(metric_date, project_id)",             # agg_daily_metrics by date range
            "(project_id, metric_date)",             # ... of one project
            "(as_of_date, project_id)",              # project_health of a night, or of a date range
            "(as_of_date, user_id)",
            "(as_of_date, completed_7d DESC, user_id)"} <= definitions   # top 10 of a night


# --- the randomised world, against the reference ----------------------------------------------

TEAMS = ("alpha", "beta", "gamma", None)
STATUSES = ("todo", "in_progress", "blocked", "done", "cancelled")


def random_instant(rng: random.Random, first: dt.date, days: int) -> dt.datetime:
    """An instant in [first 00:00Z, first + days), with midnights and near-midnights favoured."""
    start = dt.datetime.combine(first, dt.time(0), dt.UTC)
    day = start + dt.timedelta(days=rng.randrange(days))
    kind = rng.random()
    if kind < 0.15:
        return day + dt.timedelta(hours=rng.choice((0, 4, 5)))            # UTC and New York midnights
    if kind < 0.3:
        return day + dt.timedelta(hours=rng.choice((0, 4, 5))) - dt.timedelta(microseconds=rng.choice((1, 500_000)))
    return day + dt.timedelta(microseconds=rng.randrange(86_400_000_000))


def random_world(world, rng: random.Random, first: dt.date = dt.date(2026, 8, 25), days: int = 50) -> None:
    for user in range(1, 26):
        moves = tuple(sorted((random_instant(rng, first, days), rng.choice(TEAMS)) for _ in range(rng.choice((0, 0, 1, 2)))))
        world.add_user(user, rng.choice(TEAMS), inferred=user > 22, versions=() if user > 22 else moves)
    for project in range(1, 9):
        archived = rng.choice((None, None, random_instant(rng, first, days)))
        world.add_project(project, archived_at=archived, inferred=project == 8)
    for task in range(1, 81):
        if task > 75:
            world.add_task(task, None, inferred=True)
            continue
        created = random_instant(rng, first - dt.timedelta(days=5), days)
        world.add_task(task, rng.randrange(1, 9), created_at=created, status=rng.choice(STATUSES),
                       due_date=rng.choice((None, first + dt.timedelta(days=rng.randrange(days)))),
                       deleted_at=rng.choice((None,) * 6 + (random_instant(rng, first, days),)))
    for n in range(400):
        add_random_event(world, rng, f"e{n}", first, days)


def add_random_event(world, rng: random.Random, event_id: str, first: dt.date, days: int) -> None:
    kind = rng.choice(("task_created", "status_changed", "status_changed", "status_changed", "assigned",
                       "due_date_changed"))
    task = rng.randrange(1, 81)
    at = random_instant(rng, first, days)
    actor = rng.choice((None, *range(1, 27)))   # 26: an actor with no dim_user row at all
    if kind == "status_changed":
        before, after = rng.choice((("in_progress", "done"), ("todo", "done"), ("done", "todo"), ("done", "done"),
                                    ("todo", "in_progress"), ("blocked", "cancelled")))
        world.add_event(event_id, task, kind, at, from_status=before, to_status=after, actor_id=actor)
    else:
        world.add_event(event_id, task, kind, at, actor_id=actor)


def assert_marts_match_the_reference(world, day: dt.date, tz: str) -> None:
    want = expected_marts(world, day, tz)
    assert_same(world.mart("agg_daily_metrics", f"metric_date <= '{day}'"), want["agg_daily_metrics"],
                KEYS["agg_daily_metrics"])
    assert_same(world.mart("project_health", f"as_of_date = '{day}'"), want["project_health"],
                KEYS["project_health"])
    assert_same(world.mart("user_productivity", f"as_of_date = '{day}'"), want["user_productivity"],
                KEYS["user_productivity"])


@pytest.mark.parametrize("tz", ["UTC", "America/New_York"])
def test_the_marts_match_an_independent_pandas_computation_night_after_night(world, monkeypatch, tz):
    monkeypatch.setenv("ETL_BUSINESS_TZ", tz)
    rng = random.Random(17)
    random_world(world, rng)
    first_night = dt.date(2026, 10, 1)
    snapshots = {}
    for n in range(4):
        day = first_night + dt.timedelta(days=n)
        world.night(day)
        assert_marts_match_the_reference(world, day, tz)
        snapshots[day] = (world.mart("project_health", f"as_of_date = '{day}'"),
                          world.mart("user_productivity", f"as_of_date = '{day}'"))
        # between nights: late events, a deletion, a new due date, an inferred task filled in
        for m in range(25):
            add_random_event(world, rng, f"n{n}_{m}", first_night - dt.timedelta(days=20), 25)
        world.update_task(rng.randrange(1, 76), deleted_at=dt.datetime.combine(day, dt.time(20), dt.UTC))
        world.update_task(rng.randrange(1, 76), due_date=day)
        world.update_task(76 + n, is_inferred=False, project_id=3, status="todo", created_at=utc(2026, 9, 1))
    # earlier snapshots are kept as they were published
    for day, (project_health, user_productivity) in snapshots.items():
        assert world.mart("project_health", f"as_of_date = '{day}'").equals(project_health)
        assert world.mart("user_productivity", f"as_of_date = '{day}'").equals(user_productivity)
    shapes = world.sql("SELECT count(*), count(on_time_rate), count(avg_cycle_hours), sum(reopened) "
                       "FROM marts.agg_daily_metrics")[0]
    assert shapes[0] > 30 and shapes[1] > 5 and shapes[2] > 5 and shapes[3] > 0   # the world exercised the rules


def test_counting_only_what_changed_gives_what_counting_every_fact_gives(world):
    rng = random.Random(5)
    random_world(world, rng)
    day = dt.date(2026, 10, 1)
    world.night(day)
    for n in range(1, 4):
        # late and new events, a deletion inside and one outside the night, due dates moved
        # (one twice), an inferred task filled in
        for m in range(30):
            add_random_event(world, rng, f"n{n}_{m}", day - dt.timedelta(days=20), 22)
        day += dt.timedelta(days=1)
        world.update_task(rng.randrange(1, 76), deleted_at=dt.datetime.combine(day, dt.time(3), dt.UTC))
        world.update_task(rng.randrange(1, 76), deleted_at=utc(2026, 9, 20))
        twice = rng.randrange(1, 76)
        world.update_task(twice, due_date=day)
        world.update_task(twice, due_date=None)
        world.update_task(rng.randrange(1, 76), due_date=day - dt.timedelta(days=3))
        world.update_task(75 + n, is_inferred=False, project_id=2, status="todo", created_at=utc(2026, 9, 1))
        _, counts = world.night(day)
        assert counts["agg_daily_metrics_counted"] == "changes"
        incremental, state = world.digest(), world.cells()
        assert state[2] == []   # no task waits once a night counted them
        _, recount = world.night(day, full_refresh=True)
        assert recount["agg_daily_metrics_counted"] == "every fact"
        assert (recount["agg_daily_metrics_rows_removed"], recount["agg_daily_metrics_rows_added"]) == (0, 0)
        assert (world.digest(), world.cells()) == (incremental, state)
