"""build_world: the history before the first night, in the database and in the event files."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np

from devtools.demo_taskflow import dirt as d
from devtools.demo_taskflow import files as f
from devtools.demo_taskflow import history as h
from devtools.demo_taskflow import source_db as db
from devtools.demo_taskflow import volumes as v
from devtools.demo_taskflow.events import Events, serial_base
from devtools.demo_taskflow.report import Report
from include.taskflow.contracts import EVENT_TYPES
from include.warehouse_kit import pg_io


def _rng(seed: int, day: dt.date, stream: int) -> np.random.Generator:
    return np.random.default_rng([seed, day.toordinal(), 0, stream])


def spread(ev: Events, starts: np.ndarray, rng: np.random.Generator, keep: np.ndarray,
           late_days: set[int]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Each event's day (index into ``starts``), and which go to the next day's carry-over file
    or to their day's late file (among ``keep``: the events that may; each late day gets one)."""
    day = np.searchsorted(starts, ev.t, side="right") - 1
    carry = keep & (ev.t >= starts[day + 1] - d.CARRY_OVER_WINDOW_S) & (rng.random(len(ev)) < d.CARRY_OVER_SHARE)
    late = keep & ~carry & np.isin(day, list(late_days)) & (rng.random(len(ev)) < d.LATE_FILE_SHARE)
    for j in sorted(late_days):
        can = np.flatnonzero(keep & ~carry & (day == j))
        if len(can) and not late[day == j].any():
            late[rng.choice(can)] = True
    return day, carry, late


def finish(report: Report, ev: Events, files: list[f.FileSpec], dirt: d.Dirt, written: dict) -> None:
    """Fill the file counts of a report from what a call wrote."""
    shown = [x for x in files if x.visible]
    report.files += [x.path for x in shown]
    report.files.sort()
    report.lines += written["visible_lines"]
    for x in shown:
        types = np.bincount(ev.kind[x.start:x.stop], minlength=len(EVENT_TYPES))
        for name, count in zip(EVENT_TYPES, types.tolist(), strict=True):
            report.events_by_type[name] += count
        report.valid_events += x.stop - x.start
    report.duplicates, report.conflicting, report.bad_lines = dirt.duplicates, dirt.conflicting, dirt.bad_lines
    report.staged_files = len(written["staged"])


def _history_tasks(rng: np.random.Generator, vol: v.Volumes, starts: np.ndarray, users: dict,
                   projects: dict) -> tuple[dict, Events, dict]:
    """``vol.tasks`` tasks and their events, then a few more created on the last day: orphans whose
    rows wait for the first tick, the first of them done that day and created by an orphan user
    (returned, its row waits too)."""
    start, end, last_day = int(starts[0]), int(starts[-1]), int(starts[-2])
    n = vol.tasks
    created = np.sort(start + (rng.random(n) ** (1 / v.TASK_GROWTH) * (end - start - 60)).astype(np.int64))
    n_orphans = d.at_least_one(rng, max(1, n // vol.history_days), d.ORPHAN_TASK_RATE)
    orphan_user_at = last_day + int(rng.integers(0, 2 * v.HOUR))
    orphan_created = last_day + rng.integers(0, max(end - last_day - 4 * v.HOUR, 1), n_orphans)
    orphan_created[0] = orphan_user_at + int(rng.integers(600, 4 * v.HOUR))
    ids = np.arange(1, n + n_orphans + 1, dtype=np.int64)
    all_created = np.concatenate([created, orphan_created])
    quick = ids == n + 1
    picker = h.users_existing_at(users["created_at"], users["user_id"])
    rows, ev = h.task_lives(rng, ids, all_created, end, picker, quick)
    orphan_user = vol.users + 1
    ev.actor[n] = orphan_user                      # the task_created of the first orphan
    when = rows["updated_at"] + (60 + rng.exponential(5 * v.DAY, len(ids))).astype(np.int64)
    deleted = h.some(rng, rng.random(len(ids)) < v.DELETED_RATE, (ids <= n) & (when < end))
    rows["deleted_at"] = np.where(deleted, when, -1)
    rows["updated_at"] = np.where(deleted, when, rows["updated_at"])
    rows["project_id"] = h.choose_projects(rng, all_created, projects)
    rows["title"] = h.titles(rng, len(ids))
    rows["priority"] = h.pick(rng, v.PRIORITY_P, len(ids), list(v.PRIORITY_P.values()))
    user = h.people(rng, np.array([orphan_user]))
    user.update(is_active=np.array([True]), created_at=np.array([orphan_user_at]),
                updated_at=np.array([orphan_user_at]))
    return rows, ev, user


def build_world(source_uri: str, events_root: Path, first_night: dt.date, volumes: v.Volumes = v.DEMO,
                seed: int = 7) -> Report:
    """(Re)create schema taskflow and the events root with ``volumes.history_days`` days of history
    strictly before ``first_night`` 00:00 (business time zone). Everything derives from ``seed``."""
    events_root = Path(events_root)
    first = first_night - dt.timedelta(days=volumes.history_days)
    starts = v.day_starts(first, volumes.history_days)
    start, end = int(starts[0]), int(starts[-1])
    users = h.make_users(_rng(seed, first_night, 1), volumes.users, start, end)
    projects = h.make_projects(_rng(seed, first_night, 2), volumes.projects, start, end,
                               users["created_at"], users["user_id"])
    tasks, ev, orphan_user = _history_tasks(_rng(seed, first_night, 3), volumes, starts, users, projects)
    orphan_ids = tasks["task_id"][volumes.tasks:]

    rng = _rng(seed, first_night, 4)
    day_of = {j: first + dt.timedelta(days=j) for j in range(volumes.history_days)}
    late_release = {j: day + dt.timedelta(days=d.late_delay(day, seed)) for j, day in day_of.items()}
    late_days = {j for j, rel in late_release.items() if rel >= first_night}
    day, carry, late = spread(ev, starts, rng, ~np.isin(ev.task, orphan_ids), late_days)

    def release(on: dt.date, kind: int, source: dt.date) -> dt.date | None:
        if kind == f.LATE:
            return late_release[(source - first).days]
        return on if on >= first_night else None

    ev, layout = f.layout(rng, ev, day, first, volumes.history_days, late=late, carry=carry, release=release)
    base = serial_base(first_night, history=True)
    serial = np.arange(base, base + len(ev), dtype=np.uint64)
    dirt = d.plan(_rng(seed, first_night, 5), ev, serial, layout, [], base + len(ev),
                  tasks["task_id"][:volumes.tasks])
    report = Report(day=first_night, orphan_tasks=orphan_ids.tolist(), orphan_users=orphan_user["user_id"].tolist())

    f.reset(events_root)
    with pg_io.connect(source_uri) as conn:
        with conn.transaction():
            db.recreate(conn)
            keep = np.arange(volumes.tasks)
            report.db["users_inserted"] = db.insert(conn, "users", users)
            report.db["projects_inserted"] = db.insert(conn, "projects", projects)
            report.db["tasks_inserted"] = db.insert(conn, "tasks", {k: x[keep] for k, x in tasks.items()})
            written = f.write(events_root, ev, serial, layout, dirt)
        conn.execute("ANALYZE taskflow.users, taskflow.projects, taskflow.tasks")
    finish(report, ev, layout, dirt, written)
    f.save_state(events_root, {
        "seed": seed, "first_night": first_night.isoformat(), "last_day": (first_night - dt.timedelta(days=1)).isoformat(),
        "staged": written["staged"], "pool": f.pool_of(ev, serial, layout, dirt.used, _rng(seed, first_night, 7)),
        "late_rows": {"users": db.records(orphan_user, [0]),
                      "tasks": db.records(tasks, np.arange(volumes.tasks, len(tasks["task_id"])))},
    })
    return report
