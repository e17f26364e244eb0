"""TaskFlow test worlds on the real PostgreSQL of tests/conftest.py (`admin_uri`): a source
database with the taskflow schema, a warehouse, and an event-log root on file:// (tmp_path).
Each world's databases are dropped afterwards."""

from __future__ import annotations

import datetime as dt
import gzip
import json
import uuid
from dataclasses import dataclass
from pathlib import Path

import psycopg
import pytest

from include.taskflow import pipeline
from include.taskflow.contracts import DAG_ID, EVENTS_URL_ENV
from include.warehouse_kit.run_context import RunContext
from include.warehouse_kit.settings import settings
from include.warehouse_kit.sql_files import sql_text
from tests.crm.integration.conftest import _Worlds


def utc(day: dt.date, hour: int = 12, minute: int = 0) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour, minute), dt.UTC)


def event(event_id: str, event_type: str, task_id: int, at: dt.datetime | str, actor: int | None = 1,
          **fields) -> str:
    """One event line; `at` as an instant (written with +00:00) or as the exact text to write."""
    occurred = at if isinstance(at, str) else at.isoformat()
    return json.dumps({"event_id": event_id, "event_type": event_type, "task_id": task_id,
                       "actor_id": actor, "occurred_at": occurred, **fields})


@dataclass
class TaskflowWorld:
    source_uri: str
    warehouse_uri: str
    events_root: Path
    source_url: str = ""     # the same databases as postgresql:// URIs (Airflow connections)
    warehouse_url: str = ""

    def context(self, day: dt.date, **params) -> RunContext:
        """A run of business day `day`: [day 00:00, day+1 00:00) in ETL_BUSINESS_TZ."""
        tz = settings().business_tz
        start = dt.datetime.combine(day, dt.time(0), tz).astimezone(dt.UTC)
        end = dt.datetime.combine(day + dt.timedelta(days=1), dt.time(0), tz).astimezone(dt.UTC)
        own = {k: params.pop(k) for k in ("lookback_days",) if k in params}
        return RunContext(run_id=f"test__{day}__{uuid.uuid4().hex[:6]}", dag_id=DAG_ID,
                          interval_start=start, interval_end=end, params=own, **params)

    def night(self, day: dt.date, **params) -> RunContext:
        """Run business day `day` in-process."""
        ctx = self.context(day, **params)
        pipeline.run(self.source_uri, self.warehouse_uri, ctx)
        return ctx

    def write_file(self, partition: dt.date | str, name: str, lines: list[str], *, gz: bool = False,
                   trailing_newline: bool = True) -> str:
        """An event file under dt=<partition>/; returns its path relative to the root."""
        folder = self.events_root / f"dt={partition}"
        folder.mkdir(parents=True, exist_ok=True)
        data = "\n".join(lines).encode() + (b"\n" if trailing_newline and lines else b"")
        path = folder / (name + (".jsonl.gz" if gz else ".jsonl"))
        path.write_bytes(gzip.compress(data) if gz else data)
        return path.relative_to(self.events_root).as_posix()

    def add_user(self, user_id: int, at: dt.datetime, team: str | None = "core", role: str = "member",
                 active: bool = True) -> None:
        self.src("INSERT INTO taskflow.users VALUES (%s, %s, %s, %s, %s, %s, %s, %s) "
                 "ON CONFLICT (user_id) DO UPDATE SET team = excluded.team, role = excluded.role, "
                 "is_active = excluded.is_active, updated_at = excluded.updated_at",
                 (user_id, f"u{user_id}@example.com", f"User {user_id}", team, role, active, at, at))

    def add_project(self, project_id: int, at: dt.datetime, category: str | None = "product",
                    archived_at: dt.datetime | None = None) -> None:
        self.src("INSERT INTO taskflow.projects VALUES (%s, %s, %s, 1, %s, %s, %s) "
                 "ON CONFLICT (project_id) DO UPDATE SET archived_at = excluded.archived_at, "
                 "updated_at = excluded.updated_at",
                 (project_id, f"Project {project_id}", category, at, at, archived_at))

    def add_task(self, task_id: int, project_id: int, created: dt.datetime, *, status: str = "todo",
                 updated: dt.datetime | None = None, due: dt.date | None = None,
                 completed: dt.datetime | None = None, deleted: dt.datetime | None = None,
                 priority: str = "medium") -> None:
        self.src("INSERT INTO taskflow.tasks VALUES (%s, %s, %s, %s, 1, %s, %s, %s, %s, %s, %s) "
                 "ON CONFLICT (task_id) DO UPDATE SET status = excluded.status, due_date = excluded.due_date, "
                 "updated_at = excluded.updated_at, completed_at = excluded.completed_at, "
                 "deleted_at = excluded.deleted_at, priority = excluded.priority",
                 (task_id, project_id, f"Task {task_id}", priority, status, due, created, updated or created,
                  completed, deleted))

    def src(self, query: str, params=None) -> list[tuple]:
        with psycopg.connect(self.source_uri, autocommit=True) as conn:
            cur = conn.execute(query, params)
            return cur.fetchall() if cur.description else []

    def wh(self, query: str, params=None) -> list[tuple]:
        with psycopg.connect(self.warehouse_uri, autocommit=True) as conn:
            cur = conn.execute(query, params)
            return cur.fetchall() if cur.description else []

    def one(self, query: str, params=None):
        return self.wh(query, params)[0][0]

    def frame(self, query: str, params=None):
        """A warehouse query as a DataFrame of plain Python values (reference_marts reads these)."""
        import pandas as pd

        with psycopg.connect(self.warehouse_uri, autocommit=True) as conn:
            cur = conn.execute(query, params)
            return pd.DataFrame(cur.fetchall(), columns=[c.name for c in cur.description], dtype=object)


@pytest.fixture
def taskflow_world_factory(admin_uri, tmp_path, monkeypatch):
    """Makes empty TaskFlow worlds (the source schema, a warehouse, an events root); the events
    URL points at the world made last."""
    worlds = _Worlds(admin_uri)

    def make() -> TaskflowWorld:
        source, source_url = worlds.database("t_tf")
        warehouse, warehouse_url = worlds.database("t_tfwh")
        with psycopg.connect(source, autocommit=True) as conn:
            conn.execute(sql_text("taskflow/source/create_taskflow_schema.sql"))
        root = tmp_path / f"events_{len(worlds.created)}"
        root.mkdir()
        monkeypatch.setenv(EVENTS_URL_ENV, root.as_uri())
        return TaskflowWorld(source, warehouse, root, source_url, warehouse_url)

    try:
        yield make
    finally:
        worlds.drop_all()


@pytest.fixture
def taskflow_world(taskflow_world_factory):
    """An empty TaskFlow world."""
    return taskflow_world_factory()
