"""An independent pandas computation of TaskFlow's marts (issue 17, "Marts"), written from the
rule text, not from the SQL. The integration tests compare the marts with it row by row.

The terms, as the issue states them:
- cutoff = D+1 00:00 in the business timezone; "cutoff - N days" is local midnight N days earlier;
- a task counts when it is not inferred and its deleted_at is NULL or >= cutoff;
- an event's date is the business-timezone date of its occurred_at;
- a done event is a status_changed event with to_status 'done'.
Ratios and averages are rounded half away from zero (Decimal's ROUND_HALF_UP), as PostgreSQL's
round(numeric, n) does.
"""

from __future__ import annotations

import datetime as dt
from decimal import ROUND_HALF_UP, Decimal
from zoneinfo import ZoneInfo

import pandas as pd

AGG_COLUMNS = ["metric_date", "project_id", "tasks_created", "tasks_completed", "completed_with_due_date",
               "completed_on_time", "on_time_rate", "reopened", "avg_cycle_hours"]
HEALTH_COLUMNS = ["as_of_date", "project_id", "open_tasks", "overdue_tasks", "completed_30d", "on_time_rate_30d"]
PRODUCTIVITY_COLUMNS = ["as_of_date", "user_id", "team", "completed_7d", "completed_30d"]


def local_midnight(day: dt.date, tz: str) -> pd.Timestamp:
    return pd.Timestamp(dt.datetime.combine(day, dt.time(0), ZoneInfo(tz))).tz_convert("UTC")


def rate(part: int, whole: int) -> Decimal | None:
    """part / whole to 4 decimals, half away from zero; None when whole is 0."""
    if whole == 0:
        return None
    return (Decimal(part) / Decimal(whole)).quantize(Decimal("0.0001"), rounding=ROUND_HALF_UP)


def average_hours(microseconds: list[int]) -> Decimal | None:
    """The mean of durations given in microseconds, in hours to 2 decimals, half away from zero."""
    if not microseconds:
        return None
    exact = Decimal(sum(microseconds)) / Decimal(3_600_000_000 * len(microseconds))
    return exact.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def _is_null(value) -> bool:
    return value is None or value is pd.NaT or (isinstance(value, float) and value != value)


def core_tables(world) -> dict[str, pd.DataFrame]:
    """The core rows the marts are built from, as plain Python values."""
    return {
        "tasks": world.frame("SELECT task_key, task_id, project_id, status, due_date, created_at, deleted_at, "
                             "is_inferred FROM core.dim_task"),
        "projects": world.frame("SELECT project_id, archived_at, is_inferred FROM core.dim_project"),
        "users": world.frame("SELECT user_id, team, is_current, is_inferred FROM core.dim_user"),
        "events": world.frame("SELECT task_key, event_type, occurred_at, from_status, to_status, actor_id "
                              "FROM core.fact_task_events"),
    }


def counting_tasks(tasks: pd.DataFrame, cutoff: pd.Timestamp) -> dict[int, dict]:
    """task_key -> the task's row, for the tasks that count at `cutoff`."""
    out = {}
    for row in tasks.to_dict("records"):
        if not row["is_inferred"] and (_is_null(row["deleted_at"]) or row["deleted_at"] >= cutoff):
            out[row["task_key"]] = row
    return out


def _counted_events(core: dict[str, pd.DataFrame], as_of: dt.date, tz: str) -> list[dict]:
    """Events of counting tasks before the cutoff, each with its date, done flag and task."""
    cutoff = local_midnight(as_of + dt.timedelta(days=1), tz)
    tasks = counting_tasks(core["tasks"], cutoff)
    out = []
    for event in core["events"].to_dict("records"):
        task = tasks.get(event["task_key"])
        if task is None or not event["occurred_at"] < cutoff:
            continue
        out.append({**event, "task": task, "date": event["occurred_at"].astimezone(ZoneInfo(tz)).date(),
                    "done": event["event_type"] == "status_changed" and event["to_status"] == "done"})
    return out


def expected_agg_daily_metrics(core: dict[str, pd.DataFrame], as_of: dt.date, tz: str) -> pd.DataFrame:
    cells: dict[tuple, dict] = {}
    for e in _counted_events(core, as_of, tz):
        task = e["task"]
        cell = cells.setdefault((e["date"], task["project_id"]), {
            "tasks_created": 0, "tasks_completed": 0, "completed_with_due_date": 0, "completed_on_time": 0,
            "reopened": 0, "cycles": []})
        cell["tasks_created"] += e["event_type"] == "task_created"
        if e["event_type"] == "status_changed" and e["from_status"] == "done" and e["to_status"] != "done":
            cell["reopened"] += 1
        if e["done"]:
            cell["tasks_completed"] += 1
            if not _is_null(task["due_date"]):
                cell["completed_with_due_date"] += 1
                cell["completed_on_time"] += e["date"] <= task["due_date"]
            if not _is_null(task["created_at"]):
                cell["cycles"].append((e["occurred_at"] - task["created_at"]) // dt.timedelta(microseconds=1))
    rows = [{"metric_date": day, "project_id": project, **{k: v for k, v in c.items() if k != "cycles"},
             "on_time_rate": rate(c["completed_on_time"], c["completed_with_due_date"]),
             "avg_cycle_hours": average_hours(c["cycles"])}
            for (day, project), c in cells.items()]
    return pd.DataFrame(rows, columns=AGG_COLUMNS)


def _done_in_window(core: dict[str, pd.DataFrame], as_of: dt.date, tz: str, days: int) -> list[dict]:
    start = local_midnight(as_of + dt.timedelta(days=1 - days), tz)
    return [e for e in _counted_events(core, as_of, tz) if e["done"] and e["occurred_at"] >= start]


def expected_project_health(core: dict[str, pd.DataFrame], as_of: dt.date, tz: str) -> pd.DataFrame:
    cutoff = local_midnight(as_of + dt.timedelta(days=1), tz)
    tasks = counting_tasks(core["tasks"], cutoff).values()
    done = _done_in_window(core, as_of, tz, 30)
    rows = []
    for project in core["projects"].to_dict("records"):
        if project["is_inferred"] or not (_is_null(project["archived_at"]) or project["archived_at"] >= cutoff):
            continue
        pid = project["project_id"]
        open_tasks = [t for t in tasks if t["project_id"] == pid and t["status"] not in ("done", "cancelled")]
        overdue = [t for t in open_tasks if not _is_null(t["due_date"]) and t["due_date"] < as_of]
        ours = [e for e in done if e["task"]["project_id"] == pid]
        with_due = [e for e in ours if not _is_null(e["task"]["due_date"])]
        on_time = [e for e in with_due if e["date"] <= e["task"]["due_date"]]
        rows.append({"as_of_date": as_of, "project_id": pid, "open_tasks": len(open_tasks),
                     "overdue_tasks": len(overdue), "completed_30d": len(ours),
                     "on_time_rate_30d": rate(len(on_time), len(with_due))})
    return pd.DataFrame(rows, columns=HEALTH_COLUMNS)


def expected_user_productivity(core: dict[str, pd.DataFrame], as_of: dt.date, tz: str) -> pd.DataFrame:
    current = {u["user_id"]: u for u in core["users"].to_dict("records") if u["is_current"]}
    week_start = local_midnight(as_of + dt.timedelta(days=1 - 7), tz)
    people: dict[int, dict] = {}
    for e in _done_in_window(core, as_of, tz, 30):
        user = current.get(e["actor_id"])
        if _is_null(e["actor_id"]) or user is None or user["is_inferred"]:
            continue
        person = people.setdefault(user["user_id"], {"as_of_date": as_of, "user_id": user["user_id"],
                                                     "team": user["team"], "completed_7d": 0, "completed_30d": 0})
        person["completed_30d"] += 1
        person["completed_7d"] += e["occurred_at"] >= week_start
    return pd.DataFrame(list(people.values()), columns=PRODUCTIVITY_COLUMNS)


def expected_marts(world, as_of: dt.date, tz: str = "UTC") -> dict[str, pd.DataFrame]:
    """The three marts of night `as_of` as the rules say, from the warehouse's core tables now
    (agg_daily_metrics: every date <= as_of)."""
    core = core_tables(world)
    return {"agg_daily_metrics": expected_agg_daily_metrics(core, as_of, tz),
            "project_health": expected_project_health(core, as_of, tz),
            "user_productivity": expected_user_productivity(core, as_of, tz)}


def assert_same(got: pd.DataFrame, want: pd.DataFrame, key: list[str]) -> None:
    got = got[list(want.columns)].sort_values(key).reset_index(drop=True)
    want = want.sort_values(key).reset_index(drop=True)
    assert len(got) == len(want), f"{len(got)} rows, expected {len(want)}"
    for column in want.columns:
        left = [None if pd.isna(v) else v for v in got[column]]
        right = [None if pd.isna(v) else v for v in want[column]]
        mismatches = [(i, a, b) for i, (a, b) in enumerate(zip(left, right, strict=True)) if a != b]
        assert not mismatches, f"{column}: {len(mismatches)} rows differ, e.g. {mismatches[:3]}"
