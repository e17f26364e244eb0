"""A warehouse for the mart tests: a uniquely named database with the audit, dim_date, core and
marts DDL, and helpers that write dim and fact rows by hand (as the loaders would leave them).

Times are UTC unless a test says otherwise; the business timezone is ETL_BUSINESS_TZ, read when
a night is built, as the pipeline reads it.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field

import pandas as pd
import psycopg
from psycopg import sql
from psycopg.conninfo import conninfo_to_dict, make_conninfo

from include.taskflow import marts
from include.warehouse_kit import pg_io, run_log
from include.warehouse_kit.run_context import RunContext
from include.warehouse_kit.settings import settings
from include.warehouse_kit.sql_files import query

DAG_ID = "taskflow_nightly"
DDL = ("kit/bootstrap/create_audit.sql", "kit/bootstrap/create_dim_date.sql",
       "taskflow/bootstrap/create_core.sql", "taskflow/bootstrap/create_marts.sql")
MARTS = ("agg_daily_metrics", "project_health", "user_productivity")
KEYS = {"agg_daily_metrics": ["metric_date", "project_id"], "project_health": ["as_of_date", "project_id"],
        "user_productivity": ["as_of_date", "user_id"]}


def utc(year: int, month: int, day: int, hour: int = 12, minute: int = 0, second: int = 0,
        microsecond: int = 0) -> dt.datetime:
    return dt.datetime(year, month, day, hour, minute, second, microsecond, tzinfo=dt.UTC)


def night_context(day: dt.date, run_id: str | None = None, full_refresh: bool = False) -> RunContext:
    """Business day `day`: [day 00:00, day+1 00:00) in ETL_BUSINESS_TZ."""
    tz = settings().business_tz
    start = dt.datetime.combine(day, dt.time(0), tz).astimezone(dt.UTC)
    end = dt.datetime.combine(day + dt.timedelta(days=1), dt.time(0), tz).astimezone(dt.UTC)
    return RunContext(run_id=run_id or f"test__{day}__{uuid.uuid4().hex[:6]}", dag_id=DAG_ID,
                      interval_start=start, interval_end=end, full_refresh=full_refresh)


@dataclass
class MartsWorld:
    uri: str
    conn: psycopg.Connection | None = None        # the helpers' own, autocommit
    months: set[dt.date] = field(default_factory=set)

    def connect(self) -> psycopg.Connection:
        return pg_io.connect(self.uri)

    def sql(self, statement: str, params=None) -> list[tuple]:
        if self.conn is None:
            self.conn = self.connect()
        cur = self.conn.execute(statement, params)
        return cur.fetchall() if cur.description else []

    def frame(self, statement: str, params=None) -> pd.DataFrame:
        if self.conn is None:
            self.conn = self.connect()
        cur = self.conn.execute(statement, params)
        return pd.DataFrame(cur.fetchall(), columns=[c.name for c in cur.description], dtype=object)

    # --- dims -----------------------------------------------------------------------------
    def add_user(self, user_id: int, team: str | None = "alpha", *, inferred: bool = False,
                 versions: tuple[tuple[dt.datetime, str | None], ...] = ()) -> None:
        """A user whose first version reaches back to -infinity; each (from, team) of
        `versions` closes the current version at `from` and opens one with that team."""
        timeline = [(None, team), *versions]
        for n, (start, version_team) in enumerate(timeline):
            end = timeline[n + 1][0] if n + 1 < len(timeline) else None
            self.sql("INSERT INTO core.dim_user (user_id, full_name, team, role, is_active, created_at, valid_from, "
                     "valid_to, is_current, is_inferred) VALUES (%s, %s, %s, 'member', true, %s, "
                     "coalesce(%s::timestamptz, '-infinity'), coalesce(%s::timestamptz, 'infinity'), %s, %s)",
                     (user_id, None if inferred else f"user {user_id}", None if inferred else version_team,
                      utc(2026, 1, 1), start, end, end is None, inferred))

    def add_project(self, project_id: int, *, archived_at: dt.datetime | None = None, inferred: bool = False,
                    category: str | None = "ops") -> None:
        self.sql("INSERT INTO core.dim_project (project_id, name, category, created_at, archived_at, is_inferred) "
                 "VALUES (%s, %s, %s, %s, %s, %s)",
                 (project_id, None if inferred else f"project {project_id}", None if inferred else category,
                  None if inferred else utc(2026, 1, 1), archived_at, inferred))

    def add_task(self, task_id: int, project_id: int | None, *, created_at: dt.datetime | None = None,
                 status: str | None = "todo", due_date: dt.date | None = None,
                 deleted_at: dt.datetime | None = None, inferred: bool = False) -> None:
        """A task of project_id (which must exist); an inferred one has no project yet."""
        self.sql("INSERT INTO core.dim_task (task_id, project_id, project_key, title, priority, status, due_date, "
                 "created_at, deleted_at, is_inferred) SELECT %s, %s, "
                 "(SELECT project_key FROM core.dim_project WHERE project_id = %s), %s, 'medium', %s, %s, %s, %s, %s",
                 (task_id, project_id, project_id, None if inferred else f"task {task_id}",
                  None if inferred else status, due_date,
                  None if inferred else (created_at or utc(2026, 9, 1)), deleted_at, inferred))

    # --- facts ----------------------------------------------------------------------------
    def add_event(self, event_id: str, task_id: int, event_type: str, occurred_at: dt.datetime, *,
                  from_status: str | None = None, to_status: str | None = None,
                  actor_id: int | None = None) -> None:
        """One fact row, keyed as the loader keys it: the task's task_key and project_key, the
        actor's dim_user version valid at occurred_at, date_key in the business timezone."""
        self.partition_for(occurred_at)
        self.sql(
            "INSERT INTO core.fact_task_events (event_id, event_type, task_key, project_key, actor_user_key, "
            "date_key, occurred_at, from_status, to_status, actor_id, task_id, source_path, source_line) "
            "SELECT %(event_id)s, %(event_type)s, t.task_key, t.project_key, "
            "(SELECT user_key FROM core.dim_user u WHERE u.user_id = %(actor_id)s "
            " AND %(occurred_at)s >= u.valid_from AND %(occurred_at)s < u.valid_to), "
            "to_char(%(occurred_at)s::timestamptz AT TIME ZONE %(tz)s, 'YYYYMMDD')::int, %(occurred_at)s, "
            "%(from_status)s, %(to_status)s, %(actor_id)s, %(task_id)s, 'dt=test/events.jsonl', 1 "
            "FROM core.dim_task t WHERE t.task_id = %(task_id)s",
            {"event_id": event_id, "event_type": event_type, "occurred_at": occurred_at, "task_id": task_id,
             "from_status": from_status, "to_status": to_status, "actor_id": actor_id,
             "tz": settings().business_tz.key})
        self.queue_event(event_id)

    def queue_event(self, event_id: str) -> None:
        """What load_events does beside each new fact: pending for agg_daily_metrics."""
        self.sql("INSERT INTO marts.agg_daily_metrics_pending_events (event_id, task_key, date_key, occurred_at, "
                 "event_type, from_status, to_status) SELECT event_id, task_key, date_key, occurred_at, event_type, "
                 "from_status, to_status FROM core.fact_task_events WHERE event_id = %s", (event_id,))

    def update_task(self, task_id: int, **changes) -> None:
        """Change a dim_task row as the load of tasks does: the task queued for agg_daily_metrics
        first, with the attributes it had (a task already queued keeps its first ones)."""
        self.sql("INSERT INTO marts.agg_daily_metrics_changed_tasks (task_key, project_id, is_inferred, due_date, "
                 "created_at, deleted_at) SELECT task_key, project_id, is_inferred, due_date, created_at, deleted_at "
                 "FROM core.dim_task WHERE task_id = %s ON CONFLICT (task_key) DO NOTHING", (task_id,))
        self.sql(sql.SQL("UPDATE core.dim_task SET {} WHERE task_id = %s").format(
            sql.SQL(", ").join(sql.SQL("{} = %s").format(sql.Identifier(c)) for c in changes)),
            (*changes.values(), task_id))
        if "project_id" in changes:  # an inferred task filled in: it and its events learn the project's key
            self.sql("UPDATE core.dim_task t SET project_key = p.project_key FROM core.dim_project p "
                     "WHERE t.task_id = %s AND p.project_id = t.project_id", (task_id,))
            self.sql("UPDATE core.fact_task_events f SET project_key = t.project_key FROM core.dim_task t "
                     "WHERE t.task_id = %s AND f.task_key = t.task_key", (task_id,))

    def done(self, event_id: str, task_id: int, occurred_at: dt.datetime, actor_id: int | None = None,
             from_status: str = "in_progress") -> None:
        self.add_event(event_id, task_id, "status_changed", occurred_at, from_status=from_status, to_status="done",
                       actor_id=actor_id)

    def partition_for(self, at: dt.datetime) -> None:
        first = at.astimezone(dt.UTC).date().replace(day=1)
        if first in self.months:
            return
        self.months.add(first)
        after = (first + dt.timedelta(days=32)).replace(day=1)
        self.sql(sql.SQL("CREATE TABLE IF NOT EXISTS {} PARTITION OF core.fact_task_events "
                         "FOR VALUES FROM ({}) TO ({})").format(
            sql.Identifier("core", f"fact_task_events_{first:%Y%m}"), sql.Literal(first.isoformat()),
            sql.Literal(after.isoformat())))

    # --- nights ---------------------------------------------------------------------------
    def night(self, day: dt.date, run_id: str | None = None, full_refresh: bool = False) -> tuple[RunContext, dict]:
        """build_marts for business day `day`, with its run-log row; returns (ctx, counts)."""
        ctx = night_context(day, run_id, full_refresh)
        with self.connect() as wh:
            run_log.start_run(wh, ctx)
            counts = marts.build_marts(wh, ctx)
        return ctx, counts

    def check(self, ctx: RunContext) -> list:
        """check_marts for the night of `ctx`."""
        with self.connect() as wh:
            return marts.check_marts(wh, ctx)

    def mart(self, name: str, where: str = "true") -> pd.DataFrame:
        return self.frame(f"SELECT * FROM marts.{name} WHERE {where} ORDER BY {', '.join(KEYS[name])}")

    def cells(self) -> list[tuple]:
        """agg_daily_metrics' build state: its cells, and the events and tasks it waits on."""
        return [self.sql(f"SELECT * FROM marts.agg_daily_metrics_{table} ORDER BY 1, 2") for table in
                ("cells", "pending_events", "changed_tasks")]

    def digest(self) -> dict[str, str]:
        """An md5 of every mart's rows, in key order."""
        return {m: self.sql(f"SELECT md5(coalesce(string_agg(to_jsonb(t)::text, '|' ORDER BY {', '.join(KEYS[m])}),"
                            f" '')) FROM marts.{m} t")[0][0] for m in MARTS}


def _with_db(uri: str, dbname: str) -> str:
    params = conninfo_to_dict(uri)
    params["dbname"] = dbname
    return make_conninfo("", **params)


@contextlib.contextmanager
def created(admin_uri: str) -> Iterator[MartsWorld]:
    """A new database with the DDL applied, dropped afterwards."""
    name = f"t_tf_marts_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(admin_uri, autocommit=True) as conn:
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    world = MartsWorld(_with_db(admin_uri, name))
    try:
        with world.connect() as wh:
            for ddl in DDL:
                wh.execute(query(ddl))
        yield world
    finally:
        if world.conn is not None:
            world.conn.close()
        with psycopg.connect(admin_uri, autocommit=True) as conn:
            conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
