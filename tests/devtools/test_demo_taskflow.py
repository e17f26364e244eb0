"""The TaskFlow world generator (devtools.demo_taskflow) on the real PostgreSQL of tests/conftest.py:
a small world built, then ticked for three days, read back as the pipeline will read it.

Every line is classified here on its own, the way the contract describes the dirt, and the
counts must be the reports' exactly; the surviving events must agree with the rows.
"""

from __future__ import annotations

import datetime as dt
import gzip
import hashlib
import json
import uuid
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path

import psycopg
import pytest
from psycopg import sql
from psycopg.conninfo import conninfo_to_dict, make_conninfo

from devtools import demo_taskflow
from devtools.demo_taskflow import dirt
from include.taskflow.contracts import EVENT_TYPES, STATUSES

pytestmark = pytest.mark.integration

FIRST_NIGHT = dt.date(2026, 3, 2)
TICKS = [FIRST_NIGHT + dt.timedelta(days=i) for i in range(3)]
SMALL = demo_taskflow.Volumes(users=60, projects=8, tasks=1_500, history_days=12)
UTC = dt.UTC
REQUIRED = ("event_id", "event_type", "task_id", "occurred_at")


def midnight(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(0), UTC)  # the business time zone is UTC here


# --------------------------------------------------------------------------- reading a world
def read_lines(path: Path) -> list[str]:
    raw = path.read_bytes()
    text = (gzip.decompress(raw) if path.name.endswith(".gz") else raw).decode()
    assert text.endswith("\n") and "\n\n" not in text and not text.startswith("\n")  # no blank lines
    return text[:-1].split("\n")


def bad_kind(line: str) -> str | None:
    """The contract's reasons a line cannot load, or None."""
    try:
        event = json.loads(line)
    except ValueError:
        return "invalid_json"
    if any(key not in event for key in REQUIRED):
        return "missing_field"
    if event["event_type"] not in EVENT_TYPES:
        return "unknown_event_type"
    if event["event_type"] == "status_changed" and not {event["from_status"], event["to_status"]} <= set(STATUSES):
        return "bad_status"
    when = dt.datetime.fromisoformat(event["occurred_at"])
    if when.tzinfo is None:
        return "no_offset"
    if when.year >= 2099:
        return "year_2099"
    return None


@dataclass
class Classified:
    """What one call's files hold, read in (dt, path, line) order after the earlier calls' files."""

    valid: int = 0
    duplicates: int = 0
    conflicting: int = 0
    lines: int = 0
    bad: Counter = field(default_factory=Counter)
    conflicts: list[tuple[dict, dict]] = field(default_factory=list)  # (the winner, the other)


@dataclass
class Winner:
    event: dict
    call: int
    path: str


def classify(root: Path, calls: list[list[str]]) -> tuple[list[Classified], dict[str, Winner]]:
    """Per call counts, and the winning event of every id (the first one seen) with where it was."""
    winners: dict[str, str] = {}
    seen_at: dict[str, tuple[int, str]] = {}
    out = []
    for call, files in enumerate(calls):
        got = Classified()
        for rel in sorted(files):
            for line in read_lines(root / rel):
                got.lines += 1
                kind = bad_kind(line)
                if kind:
                    got.bad[kind] += 1
                    continue
                event_id = json.loads(line)["event_id"]
                if event_id not in winners:
                    winners[event_id], seen_at[event_id] = line, (call, rel)
                    got.valid += 1
                elif winners[event_id] == line:
                    got.duplicates += 1
                else:
                    got.conflicting += 1
                    got.conflicts.append((json.loads(winners[event_id]), json.loads(line)))
        out.append(got)
    return out, {k: Winner(json.loads(x), *seen_at[k]) for k, x in winners.items()}


def file_hashes(root: Path) -> dict[str, str]:
    return {str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(root.rglob("*")) if p.is_file()}


def with_db(admin_uri: str, name: str) -> str:
    return make_conninfo("", **{**conninfo_to_dict(admin_uri), "dbname": name})


def query(uri: str, text: str, params=None) -> list[tuple]:
    with psycopg.connect(uri, options="-c TimeZone=UTC") as conn:
        return conn.execute(text, params).fetchall()


def dump(uri: str) -> dict[str, list[tuple]]:
    return {t: query(uri, f"SELECT * FROM taskflow.{t} ORDER BY 1") for t in ("users", "projects", "tasks")}


@dataclass
class World:
    uri: str
    root: Path
    reports: list[demo_taskflow.Report] = field(default_factory=list)
    hashes: list[dict[str, str]] = field(default_factory=list)    # the events root after each call
    in_day: list[dict[str, int]] = field(default_factory=list)    # rows with updated_at in the tick's day
    absent: list[list[int]] = field(default_factory=list)         # orphan ids missing right after their call
    arrivals: list[list[tuple]] = field(default_factory=list)     # the previous call's orphan rows, on arrival
    history_max: dt.datetime | None = None                        # the latest timestamp build_world wrote


class Databases:
    def __init__(self, admin_uri: str):
        self.admin_uri, self.names = admin_uri, []

    def new(self) -> str:
        name = f"t_tf_gen_{uuid.uuid4().hex[:10]}"
        with psycopg.connect(self.admin_uri, autocommit=True) as conn:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
        self.names.append(name)
        return with_db(self.admin_uri, name)

    def drop(self) -> None:
        with psycopg.connect(self.admin_uri, autocommit=True) as conn:
            for name in self.names:
                conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


def make_world(uri: str, root: Path, seed: int = 7, ticks=TICKS) -> World:
    world = World(uri, root)

    def after(report: demo_taskflow.Report) -> None:
        world.reports.append(report)
        world.hashes.append(file_hashes(root))
        world.absent.append(sorted(r[0] for r in query(uri, "SELECT unnest(%s::bigint[]) EXCEPT SELECT task_id "
                                                            "FROM taskflow.tasks", (report.orphan_tasks,))))
        world.arrivals.append(query(uri, "SELECT task_id, status, completed_at, created_at, updated_at FROM "
                                         "taskflow.tasks WHERE task_id = ANY(%s) ORDER BY 1", (report.arrived_tasks,)))

    after(demo_taskflow.build_world(uri, root, FIRST_NIGHT, SMALL, seed))
    world.history_max = query(uri, """
        SELECT greatest((SELECT max(greatest(created_at, updated_at)) FROM taskflow.users),
                        (SELECT max(greatest(created_at, updated_at, archived_at)) FROM taskflow.projects),
                        (SELECT max(greatest(created_at, updated_at, completed_at, deleted_at)) FROM taskflow.tasks))
        """)[0][0]
    for day in ticks:
        report = demo_taskflow.tick(uri, root, day, seed)
        world.in_day.append({t: query(uri, f"SELECT count(*) FROM taskflow.{t} WHERE updated_at >= %s AND "
                                           "updated_at < %s", (midnight(day), midnight(day + dt.timedelta(1))))[0][0]
                             for t in ("users", "projects", "tasks")})
        after(report)
    return world


@pytest.fixture(scope="module")
def databases(admin_uri):
    dbs = Databases(admin_uri)
    yield dbs
    dbs.drop()


@pytest.fixture(scope="module")
def world(databases, tmp_path_factory) -> World:
    return make_world(databases.new(), tmp_path_factory.mktemp("tf") / "events")


@pytest.fixture(scope="module")
def classified(world):
    return classify(world.root, [r.files for r in world.reports])


def pending_events(root: Path) -> list[dict]:
    """The events of files staged for a later tick (all valid, never dirty)."""
    staged = demo_taskflow.state_dir(root) / "pending"
    return [json.loads(x) for p in sorted(staged.rglob("*.jsonl*")) for x in read_lines(p)]


# --------------------------------------------------------------------------- the tests
def test_the_same_seed_gives_identical_files_and_rows(world, databases, tmp_path):
    again = make_world(databases.new(), tmp_path / "events")
    assert again.hashes == world.hashes
    assert file_hashes(demo_taskflow.state_dir(again.root)) == file_hashes(demo_taskflow.state_dir(world.root))
    assert dump(again.uri) == dump(world.uri)


def test_another_seed_gives_another_world(databases, tmp_path, world):
    other = make_world(databases.new(), tmp_path / "events", seed=8, ticks=[])
    assert other.hashes[0] != world.hashes[0]


def test_every_line_is_valid_a_duplicate_a_conflict_or_bad_exactly_as_reported(world, classified):
    per_call, _ = classified
    for report, got in zip(world.reports, per_call, strict=True):
        assert report.lines == got.lines == report.accounted_lines
        assert (report.valid_events, report.duplicates, report.conflicting) == (got.valid, got.duplicates,
                                                                                 got.conflicting)
        assert report.bad_lines == {kind: got.bad[kind] for kind in dirt.BAD_KINDS}


def test_the_original_comes_first_and_wins_over_a_conflicting_event(classified):
    per_call, _ = classified
    conflicts = [pair for got in per_call for pair in got.conflicts]
    assert conflicts
    for winner, other in conflicts:   # the generator moves a conflicting event 1-60 minutes later
        late_by = dt.datetime.fromisoformat(other["occurred_at"]) - dt.datetime.fromisoformat(winner["occurred_at"])
        assert dt.timedelta(minutes=1) <= late_by <= dt.timedelta(minutes=60)
        assert other["event_type"] == winner["event_type"]


def test_every_kind_of_dirt_is_in_every_call(world):
    for report in world.reports:
        assert report.duplicates >= 1 and report.conflicting >= 1
        assert min(report.bad_lines.values()) >= 1 and set(report.bad_lines) == set(dirt.BAD_KINDS)
        assert report.orphan_tasks and report.orphan_users
    for report in world.reports[1:]:
        assert len(report.late_files) == 1
        assert report.arrived_tasks == world.reports[world.reports.index(report) - 1].orphan_tasks


def test_duplicates_also_cross_partitions(world):
    lines_at = defaultdict(set)
    for report in world.reports:
        for rel in report.files:
            for line in read_lines(world.root / rel):
                lines_at[line].add(rel.split("/")[0])
    assert any(len(parts) > 1 for parts in lines_at.values())


def test_a_tick_only_adds_files(world):
    for before, after in zip(world.hashes, world.hashes[1:], strict=False):
        assert {k: after.get(k) for k in before} == before
        assert len(after) > len(before)
    assert all(p.startswith("dt=") for h in world.hashes for p in h)


def test_the_history_is_strictly_before_the_first_night(world, classified):
    first = world.reports[0]
    assert first.files and all(p < f"dt={FIRST_NIGHT}" for p in first.files)
    _, winners = classified
    built = [w.event for w in winners.values() if w.call == 0]
    assert max(dt.datetime.fromisoformat(e["occurred_at"]) for e in built) < midnight(FIRST_NIGHT)
    assert world.history_max < midnight(FIRST_NIGHT)


def test_a_tick_writes_its_day_and_the_late_file_of_an_earlier_one(world, classified):
    _, winners = classified
    for call, (day, report, counted) in enumerate(zip(TICKS, world.reports[1:], world.in_day, strict=True), 1):
        assert counted == {"users": report.db["users_inserted"] + report.db["users_updated"],
                           "projects": report.db["projects_inserted"] + report.db["projects_updated"],
                           "tasks": report.db["tasks_inserted"] + report.db["tasks_updated"]}
        (late,) = report.late_files
        assert late.split("/")[0] in {f"dt={day - dt.timedelta(days=k)}" for k in (1, 2, 3)}
        assert all(p.startswith(f"dt={day}/") for p in report.files if p not in report.late_files)
        d0 = midnight(day)
        for w in (w for w in winners.values() if w.call == call):
            when = dt.datetime.fromisoformat(w.event["occurred_at"])
            if w.path in report.late_files:      # held back from its own day
                own = midnight(dt.date.fromisoformat(w.path[3:13]))
                assert own <= when < own + dt.timedelta(days=1)
            elif "/events-0-" in w.path:         # written just after the previous midnight
                assert d0 - dt.timedelta(seconds=dirt.CARRY_OVER_WINDOW_S) <= when < d0
            else:
                assert d0 <= when < d0 + dt.timedelta(days=1)
    assert query(world.uri, "SELECT max(updated_at) FROM taskflow.tasks")[0][0] < midnight(TICKS[-1] + dt.timedelta(1))


def test_surviving_events_agree_with_the_rows(world, classified):
    _, winners = classified
    events = defaultdict(list)
    for e in [*(w.event for w in winners.values()), *pending_events(world.root)]:
        events[e["task_id"]].append((dt.datetime.fromisoformat(e["occurred_at"]), e["event_id"], e))
    tasks = query(world.uri, "SELECT task_id, status, assignee_id, due_date, created_at, updated_at, completed_at,"
                             " deleted_at FROM taskflow.tasks")
    arrived = {t for r in world.reports for t in r.arrived_tasks}
    assert set(events) == {t[0] for t in tasks} | set(world.reports[-1].orphan_tasks)
    for task_id, status, assignee, due, created, updated, completed, deleted in tasks:
        chain = sorted(events[task_id], key=lambda x: (x[0], x[1]))
        kinds = [e["event_type"] for _, _, e in chain]
        assert kinds.count("task_created") == 1 and chain[0][2]["event_type"] == "task_created"
        assert chain[0][0] == created
        moves = [(at, e) for at, _, e in chain if e["event_type"] == "status_changed"]
        assert [e["from_status"] for _, e in moves] == ["todo", *(e["to_status"] for _, e in moves)][:len(moves)]
        assert (moves[-1][1]["to_status"] if moves else "todo") == status
        assert completed == (moves[-1][0] if status == "done" else None)
        assigned = [e["assignee_id"] for _, _, e in chain if e["event_type"] == "assigned"]
        assert (assigned[-1] if assigned else None) == assignee
        dues = [e["due_date"] for _, _, e in chain if e["event_type"] == "due_date_changed"]
        assert (dues[-1] if dues else None) == (due.isoformat() if due else None)
        last = max([chain[-1][0], *([deleted] if deleted else [])])
        assert updated == last or (task_id in arrived and updated > last)


def test_actors_are_users_or_the_last_orphan_user(world, classified):
    _, winners = classified
    users = {r[0] for r in query(world.uri, "SELECT user_id FROM taskflow.users")}
    events = [w.event for w in winners.values()]
    actors = {e["actor_id"] for e in events} | {e.get("assignee_id") for e in events}
    assert actors - users - {None} == set(world.reports[-1].orphan_users)


def test_an_orphan_task_is_done_before_its_row_arrives_the_next_day(world, classified):
    _, winners = classified
    for report, after, missing, arrived in zip(world.reports, world.reports[1:], world.absent, world.arrivals[1:],
                                               strict=False):
        assert missing == sorted(report.orphan_tasks) == sorted(after.arrived_tasks)
        first = report.orphan_tasks[0]
        (done,) = [w.event for w in winners.values() if w.event["task_id"] == first and
                   w.event.get("to_status") == "done"]
        (created,) = [w.event for w in winners.values() if w.event["task_id"] == first and
                      w.event["event_type"] == "task_created"]
        assert created["actor_id"] in report.orphan_users
        row = next(r for r in arrived if r[0] == first)
        assert row[1:4] == ("done", dt.datetime.fromisoformat(done["occurred_at"]),
                            dt.datetime.fromisoformat(created["occurred_at"]))
        assert midnight(after.day) <= row[4] < midnight(after.day + dt.timedelta(1))
        assert query(world.uri, "SELECT count(*) FROM taskflow.users WHERE user_id = ANY(%s)",
                     (report.orphan_users,))[0][0] == len(report.orphan_users) == len(after.arrived_users)


def test_the_world_has_the_variety_the_marts_need(world, classified):
    _, winners = classified
    one = query(world.uri, """
        SELECT (SELECT count(*) FILTER (WHERE team IS NULL) FROM taskflow.users),
               (SELECT count(*) FILTER (WHERE NOT is_active) FROM taskflow.users),
               (SELECT count(*) FILTER (WHERE category IS NULL) FROM taskflow.projects),
               (SELECT count(*) FILTER (WHERE archived_at IS NOT NULL) FROM taskflow.projects),
               (SELECT count(*) FILTER (WHERE due_date IS NULL) FROM taskflow.tasks),
               (SELECT count(*) FILTER (WHERE assignee_id IS NULL) FROM taskflow.tasks),
               (SELECT count(*) FILTER (WHERE deleted_at IS NOT NULL) FROM taskflow.tasks),
               (SELECT count(*) FILTER (WHERE completed_at::date > due_date) FROM taskflow.tasks),
               (SELECT count(*) FILTER (WHERE completed_at::date <= due_date) FROM taskflow.tasks)""")[0]
    assert min(one) > 0
    assert {s for s in STATUSES} == {r[0] for r in query(world.uri, "SELECT DISTINCT status FROM taskflow.tasks")}
    events = [w.event for w in winners.values()]
    assert any(e.get("from_status") == "done" for e in events)  # reopened
    offsets = Counter(e["occurred_at"][19:] for e in events)
    assert set(offsets) == {"Z", "+00:00", "+02:00", "-05:00", "+05:30"}
    gz = [p.endswith(".gz") for r in world.reports for p in r.files]
    assert 0.25 < sum(gz) / len(gz) < 0.75


def test_a_day_cannot_be_ticked_twice(world):
    with pytest.raises(demo_taskflow.TickAlreadyAppliedError):
        demo_taskflow.tick(world.uri, world.root, TICKS[-1])


def test_days_follow_the_business_time_zone(databases, tmp_path, monkeypatch):
    monkeypatch.setenv("ETL_BUSINESS_TZ", "America/New_York")
    uri, root = databases.new(), tmp_path / "events"
    tiny = demo_taskflow.Volumes(users=20, projects=3, tasks=200, history_days=4)
    demo_taskflow.build_world(uri, root, FIRST_NIGHT, tiny)
    night = dt.datetime.combine(FIRST_NIGHT, dt.time(0), dt.timezone(dt.timedelta(hours=-5)))  # EST
    assert query(uri, "SELECT max(updated_at) FROM taskflow.tasks")[0][0] < night
    report = demo_taskflow.tick(uri, root, FIRST_NIGHT)
    rows = query(uri, "SELECT count(*), min(updated_at) FROM taskflow.tasks WHERE updated_at >= %s", (night,))[0]
    assert rows[0] == report.db["tasks_inserted"] + report.db["tasks_updated"] and rows[1] >= night
    assert query(uri, "SELECT max(updated_at) FROM taskflow.tasks")[0][0] < night + dt.timedelta(days=1)
