"""tick: one business day of TaskFlow activity, read back from the database and the state file.

Rows changed or added today get an updated_at inside [day 00:00, day + 1 00:00) in the business
time zone; the day's events go to partition dt=day (a few to the next day's, a late file to a
later tick), staged files due today are delivered, and the previous call's orphans arrive.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pandas as pd

from devtools.demo_taskflow import dirt as d
from devtools.demo_taskflow import files as f
from devtools.demo_taskflow import history as h
from devtools.demo_taskflow import source_db as db
from devtools.demo_taskflow import volumes as v
from devtools.demo_taskflow.events import Events, serial_base
from devtools.demo_taskflow.report import Report
from devtools.demo_taskflow.volumes import ASSIGNED, DAY, DONE, DUE, HOUR, STATUS
from devtools.demo_taskflow.world import finish, spread
from include.taskflow.contracts import ROLES, STATUSES
from include.warehouse_kit import pg_io

OPEN = (v.TODO, v.IN_PROGRESS, v.BLOCKED)
_READ_TASKS = "deleted_at IS NULL AND (status NOT IN ('done', 'cancelled') OR completed_at >= %(since)s)"


class TickAlreadyAppliedError(ValueError):
    """The world has already been ticked for this day or a later one."""


def _read(conn, d0: int) -> dict:
    since = dt.datetime.fromtimestamp(d0 - v.REOPEN_WINDOW_DAYS * DAY, dt.UTC)
    world = {"users": db.read(conn, "users", ("user_id", "team", "role", "is_active")),
             "projects": db.read(conn, "projects", ("project_id", "created_at", "archived_at")),
             "tasks": db.read(conn, "tasks", ("task_id", "project_id", "assignee_id", "status", "due_date",
                                              "completed_at"), _READ_TASKS, {"since": since})}
    window = dt.datetime.fromtimestamp(d0 - v.NEW_TASK_WINDOW_DAYS * DAY, dt.UTC)
    recent, first = conn.execute(
        "SELECT count(*) FILTER (WHERE created_at >= %(window)s), extract(epoch FROM min(created_at))::bigint"
        " FROM taskflow.tasks", {"window": window}).fetchone()
    span_days = max((d0 - max(int(first or d0), int(window.timestamp()))) / DAY, 1.0)
    world["new_tasks_per_day"] = recent / span_days
    world["max_ids"] = conn.execute("SELECT (SELECT coalesce(max(user_id), 0) FROM taskflow.users),"
                                    " (SELECT coalesce(max(project_id), 0) FROM taskflow.projects),"
                                    " (SELECT coalesce(max(task_id), 0) FROM taskflow.tasks)").fetchone()
    return world


def _in_day(rng: np.random.Generator, d0: int, d1: int, n: int) -> np.ndarray:
    return d0 + rng.integers(0, d1 - d0, n)


def _actors(rng: np.random.Generator, active: np.ndarray, n: int) -> np.ndarray:
    return np.where(rng.random(n) < v.SYSTEM_ACTOR_RATE, -1, rng.choice(active, size=n))


def _another(rng, current: np.ndarray, values: tuple[str, ...]) -> np.ndarray:
    """A value other than the current one (any value where the current one is NULL)."""
    index = {x: i for i, x in enumerate(values)}
    now = np.array([index.get(x, -1) for x in current], dtype=np.int64)
    step = rng.integers(1, len(values), len(current))
    return np.array(values, dtype=object)[np.where(now < 0, step, now + step) % len(values)]


def _users_today(rng, users: dict, d0: int, d1: int, next_id: int) -> tuple[dict, dict, dict]:
    """(changed users, new users, the orphan user whose row arrives tomorrow)."""
    n, act = len(users["user_id"]), users["is_active"]
    team = act & (rng.random(n) < v.TEAM_CHANGE_HAZARD)
    role = act & (rng.random(n) < v.ROLE_CHANGE_HAZARD)
    gone = act & (rng.random(n) < v.DEACTIVATE_HAZARD)
    m = team | role | gone
    new_team = h.with_nulls(rng, _another(rng, users["team"], v.TEAMS), v.TEAM_NULL_RATE)
    new_role = _another(rng, users["role"], ROLES)
    changed = {"user_id": users["user_id"][m],
               "team": np.where(team, new_team, users["team"])[m],
               "role": np.where(role, new_role, users["role"])[m],
               "is_active": (act & ~gone)[m], "updated_at": _in_day(rng, d0, d1, int(m.sum()))}
    n_new = int(rng.poisson(v.NEW_USER_RATE * act.sum()))
    fresh = h.people(rng, np.arange(next_id, next_id + n_new + 1))
    born = np.sort(_in_day(rng, d0, d1, n_new + 1))
    born[-1] = d0 + int(rng.integers(0, 2 * HOUR))
    fresh.update(is_active=np.ones(n_new + 1, dtype=bool), created_at=born, updated_at=born)
    new = {k: x[:-1] for k, x in fresh.items()}
    return changed, new, {k: x[-1:] for k, x in fresh.items()}


def _projects_today(rng, projects: dict, active: np.ndarray, d0: int, d1: int, next_id: int) -> tuple[dict, dict]:
    """(archived projects, new projects)."""
    ids, arch = projects["project_id"], projects["archived_at"]
    m = (arch < 0) & (rng.random(len(ids)) < v.ARCHIVE_HAZARD) & (ids != ids.min(initial=0))
    when = _in_day(rng, d0, d1, int(m.sum()))
    archived = {"project_id": ids[m], "archived_at": when, "updated_at": when}
    n_new = int(rng.poisson(v.NEW_PROJECT_RATE * len(ids)))
    born = np.sort(_in_day(rng, d0, d1, n_new))
    new = {"project_id": np.arange(next_id, next_id + n_new, dtype=np.int64),
           "name": h.joined(h.pick(rng, v.PROJECT_ADJECTIVES, n_new), " ", h.pick(rng, v.PROJECT_NOUNS, n_new)),
           "category": h.with_nulls(rng, h.pick(rng, v.CATEGORIES, n_new), v.CATEGORY_NULL_RATE),
           "owner_user_id": rng.choice(active, size=n_new), "created_at": born, "updated_at": born,
           "archived_at": np.full(n_new, -1, dtype=np.int64)}
    return archived, new


def _project_edits(rng, projects: dict, archived: dict, d0: int, d1: int) -> dict:
    """`archived` plus the day's edits of other open projects: their updated_at moves, nothing else
    the contract reads (archived_at is written back as it is)."""
    ids, arch = projects["project_id"], projects["archived_at"]
    m = (arch < 0) & ~np.isin(ids, archived["project_id"]) & (rng.random(len(ids)) < v.PROJECT_EDIT_RATE)
    edits = {"project_id": ids[m], "archived_at": arch[m], "updated_at": _in_day(rng, d0, d1, int(m.sum()))}
    return {k: np.concatenate([archived[k], edits[k]]) for k in archived}


def _hazard(rng, status: np.ndarray) -> np.ndarray:
    """Today's new status of each task (-1: unchanged), from STATUS_HAZARDS."""
    u, out = rng.random(len(status)), np.full(len(status), -1, dtype=np.int8)
    for current, targets in v.STATUS_HAZARDS.items():
        acc = 0.0
        for target, p in targets.items():
            out[(status == current) & (u >= acc) & (u < acc + p)] = target
            acc += p
    return out


def _tasks_today(rng, tasks: dict, active: np.ndarray, day: dt.date, d0: int, d1: int) -> tuple[dict, Events]:
    """Status changes, assignments, due dates and soft deletes of existing tasks."""
    n = len(tasks["task_id"])
    ids, assignee, due = tasks["task_id"], tasks["assignee_id"], tasks["due_date"]
    status = pd.Categorical(tasks["status"], categories=STATUSES).codes.astype(np.int8)
    is_open = np.isin(status, OPEN)
    to = _hazard(rng, status)
    ua, ud = rng.random(n), rng.random(n)
    assign = is_open & (((assignee < 0) & (ua < v.ASSIGN_HAZARD)) | ((assignee >= 0) & (ua < v.REASSIGN_HAZARD)))
    unassign = is_open & (assignee >= 0) & (ua >= v.REASSIGN_HAZARD) & (ua < v.REASSIGN_HAZARD + v.UNASSIGN_HAZARD)
    set_due = is_open & (((due < 0) & (ud < v.DUE_SET_HAZARD)) | ((due >= 0) & (ud < v.DUE_MOVE_HAZARD)))
    clear_due = is_open & (due >= 0) & (ud >= v.DUE_MOVE_HAZARD) & (ud < v.DUE_MOVE_HAZARD + v.DUE_CLEAR_HAZARD)
    t_status, t_assign, t_due = (_in_day(rng, d0, d1, n) for _ in range(3))
    who = np.where(unassign, -1, rng.choice(active, size=n))
    new_due = np.where(clear_due, -1, np.where(due < 0, v.epoch_day(day), due) + rng.integers(1, 15, n))
    moved, assigned, dated = to >= 0, assign | unassign, set_due | clear_due
    deleted = ~(moved | assigned | dated) & (rng.random(n) < v.SOFT_DELETE_HAZARD)
    t_delete = _in_day(rng, d0, d1, n)
    own = (assignee >= 0) & np.isin(assignee, active) & (rng.random(n) < v.ASSIGNEE_ACTS_RATE)
    actor = np.where(own, assignee, _actors(rng, active, n))
    ev = Events.concat([
        Events.build(t_status[moved], STATUS, ids[moved], actor[moved], frm=status[moved], to=to[moved]),
        Events.build(t_assign[assigned], ASSIGNED, ids[assigned], _actors(rng, active, int(assigned.sum())),
                     value=who[assigned]),
        Events.build(t_due[dated], DUE, ids[dated], _actors(rng, active, int(dated.sum())), value=new_due[dated])])
    ev.off[:] = rng.choice(len(v.OFFSETS), size=len(ev), p=v.OFFSET_P)
    m = moved | assigned | dated | deleted
    final = np.where(moved, to, status)
    changed = {
        "task_id": ids[m], "assignee_id": np.where(assigned, who, assignee)[m], "status": final[m],
        "due_date": np.where(dated, new_due, due)[m],
        "completed_at": np.where(moved, np.where(to == DONE, t_status, -1), tasks["completed_at"])[m],
        "deleted_at": np.where(deleted, t_delete, -1)[m],
        "updated_at": np.maximum.reduce([np.where(moved, t_status, -1), np.where(assigned, t_assign, -1),
                                         np.where(dated, t_due, -1), np.where(deleted, t_delete, -1)])[m]}
    return changed, ev


def _new_tasks(rng, world: dict, active: np.ndarray, orphan_user: dict, d0: int, d1: int,
               next_id: int) -> tuple[dict, Events, int]:
    """Today's new tasks; the last ones are orphans (rows tomorrow), the first of them done today
    and created by the orphan user. Returns (rows, events, number of orphans)."""
    n_new = int(rng.poisson(world["new_tasks_per_day"]))
    n_orphans = d.at_least_one(rng, n_new, d.ORPHAN_TASK_RATE)
    n = max(n_new, n_orphans)
    ids = np.arange(next_id, next_id + n, dtype=np.int64)
    created = np.sort(_in_day(rng, d0, d1 - 60, n))
    first_orphan = n - n_orphans
    created[first_orphan] = int(orphan_user["created_at"][0]) + int(rng.integers(600, 4 * HOUR))
    rows, ev = h.task_lives(rng, ids, created, d1, h.uniform_users(active), quick=np.arange(n) == first_orphan)
    ev.actor[first_orphan] = orphan_user["user_id"][0]
    projects = world["projects"]
    is_open = (projects["archived_at"] < 0) & (projects["created_at"] < d0)
    rows["project_id"] = h.choose_projects(rng, created, {k: x[is_open] for k, x in projects.items()})
    rows["title"] = h.titles(rng, n)
    rows["priority"] = h.pick(rng, v.PRIORITY_P, n, list(v.PRIORITY_P.values()))
    return rows, ev, n_orphans


def _arrive(rows: list[dict], table: str, rng, d0: int) -> dict:
    """The previous call's orphan rows, reaching the database in the first hours of the day."""
    cols = db.from_records(table, rows)
    cols["updated_at"] = d0 + rng.integers(0, 6 * HOUR, len(rows))
    return cols


def tick(source_uri: str, events_root: Path, day: dt.date, seed: int = 7) -> Report:
    """Apply business day ``day`` to a world made by build_world (and the ticks before it)."""
    events_root = Path(events_root)
    state = f.load_state(events_root)
    if day <= dt.date.fromisoformat(state["last_day"]):
        raise TickAlreadyAppliedError(f"the world is already at {state['last_day']}; tick({day}) must be later")
    d0, d1 = v.day_start(day), v.day_start(day + dt.timedelta(days=1))

    def rng(stream: int) -> np.random.Generator:
        return np.random.default_rng([seed, day.toordinal(), 1, stream])

    report = Report(day=day)
    late_users, late_tasks = state["late_rows"]["users"], state["late_rows"]["tasks"]
    with pg_io.connect(source_uri) as conn, conn.transaction():
        world = _read(conn, d0)
        max_user, max_project, max_task = world["max_ids"]
        max_user = max([max_user, *(u["user_id"] for u in late_users)])
        max_task = max([max_task, *(t["task_id"] for t in late_tasks)])
        users = world["users"]
        changed_users, new_users, orphan_user = _users_today(rng(1), users, d0, d1, max_user + 1)
        gone = changed_users["user_id"][~changed_users["is_active"]]
        active = users["user_id"][users["is_active"] & ~np.isin(users["user_id"], gone)]
        archived, new_projects = _projects_today(rng(2), world["projects"], active, d0, d1, max_project + 1)
        changed_projects = _project_edits(rng(10), world["projects"], archived, d0, d1)
        changed_tasks, ev_changes = _tasks_today(rng(3), world["tasks"], active, day, d0, d1)
        new_tasks, ev_new, n_orphans = _new_tasks(rng(4), world, active, orphan_user, d0, d1, max_task + 1)
        n_keep = len(new_tasks["task_id"]) - n_orphans

        arrived_users, arrived_tasks = _arrive(late_users, "users", rng(5), d0), _arrive(late_tasks, "tasks", rng(9), d0)
        report.arrived_users, report.arrived_tasks = [u["user_id"] for u in late_users], [t["task_id"] for t in late_tasks]
        report.orphan_users = orphan_user["user_id"].tolist()
        report.orphan_tasks = new_tasks["task_id"][n_keep:].tolist()
        report.db["users_inserted"] = db.insert(conn, "users", arrived_users) + db.insert(conn, "users", new_users)
        report.db["users_updated"] = db.update(conn, "users", changed_users, ("team", "role", "is_active", "updated_at"))
        report.db["projects_inserted"] = db.insert(conn, "projects", new_projects)
        report.db["projects_updated"] = db.update(conn, "projects", changed_projects, ("archived_at", "updated_at"))
        report.db["tasks_inserted"] = db.insert(conn, "tasks", arrived_tasks) + db.insert(
            conn, "tasks", {k: x[:n_keep] for k, x in new_tasks.items()})
        report.db["tasks_updated"] = db.update(conn, "tasks", changed_tasks, (
            "assignee_id", "status", "due_date", "completed_at", "deleted_at", "updated_at"))

        delivered, staged = f.deliver(events_root, state["staged"], day)
        for s in delivered:
            report.files.append(s["path"])
            report.lines += s["lines"]
            report.valid_events += s["lines"]
            report.late_files += [s["path"]] if s["late"] else []
            for name, count in s["by_type"].items():
                report.events_by_type[name] += count

        ev = Events.concat([ev_changes, ev_new])
        lay = rng(6)
        release_late = day + dt.timedelta(days=d.late_delay(day, seed))
        starts = np.array([d0, d1], dtype=np.int64)
        days, carry, late = spread(ev, starts, lay, ~np.isin(ev.task, report.orphan_tasks), {0})

        def release(on: dt.date, kind: int, source: dt.date) -> dt.date | None:
            return release_late if kind == f.LATE else (on if on > day else None)

        ev, layout = f.layout(lay, ev, days, day, 1, late=late, carry=carry, release=release)
        base = serial_base(day, history=False)
        serial = np.arange(base, base + len(ev), dtype=np.uint64)
        dirt = d.plan(rng(7), ev, serial, layout, state["pool"], base + len(ev), world["tasks"]["task_id"])
        written = f.write(events_root, ev, serial, layout, dirt)
        finish(report, ev, layout, dirt, written)
    state.update(last_day=day.isoformat(), staged=staged + written["staged"],
                 pool=f.pool_of(ev, serial, layout, dirt.used, rng(8)),
                 late_rows={"users": db.records(orphan_user, [0]),
                            "tasks": db.records(new_tasks, np.arange(n_keep, len(new_tasks["task_id"])))})
    f.save_state(events_root, state)
    return report
