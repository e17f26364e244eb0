"""A warehouse for the Task analytics page: TaskFlow's DDL applied file by file, then mart rows
written by hand (the tests compute what the page must show from these rows, not from SQL).

The latest night is D = 2026-10-05; earlier snapshots exist for 2026-10-04 and 2026-10-01.
Names carry every CSV hazard: a formula ("=cmd"), a comma, emoji, right-to-left text.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import psycopg
from psycopg import sql
from psycopg.conninfo import conninfo_to_dict, make_conninfo

from include.warehouse_kit.sql_files import query

D = dt.date(2026, 10, 5)
NIGHTS = (D, dt.date(2026, 10, 4), dt.date(2026, 10, 1))  # newest first, as the page lists them
DDL = ("kit/bootstrap/create_audit.sql", "kit/bootstrap/create_dim_date.sql", "taskflow/bootstrap/create_core.sql",
       "taskflow/bootstrap/create_marts.sql", "taskflow/bootstrap/create_page_views.sql")
TEAM_A, TEAM_B = "Core, Platform", "Mobile"
FORMULA_USER = "=cmd|' /C calc'!A0"

# core.dim_user: (user_id, full_name, team, is_current, is_inferred). User 1 moved from Mobile
# to "Core, Platform": only the current version counts.
USERS = [
    (1, "Zoë Café 😀", TEAM_B, False, False),
    (1, "Zoë Café 😀", TEAM_A, True, False),
    (2, FORMULA_USER, TEAM_B, True, False),
    (3, "שלום Ünïcødé", None, True, False),
    (4, None, None, True, True),  # an actor not yet in users
    *((n, f"Analyst {n}", TEAM_B if n % 2 else TEAM_A, True, False) for n in range(10, 22)),
]
# core.dim_project: (project_id, name, category, owner_user_id, archived_at, is_inferred)
PROJECTS = [
    (100, "=cmd", "Ops", 1, None, False),             # team "Core, Platform" (owner 1, current)
    (101, "Website 🌐", "Marketing", 2, None, False),  # team Mobile
    (102, "Back office", None, 3, None, False),        # owner without a team
    (103, "Archived one", "Ops", 2, dt.datetime(2026, 10, 4, 12, tzinfo=dt.UTC), False),
    (104, None, None, None, None, True),              # a project tasks name before its row arrives
]
# marts.agg_daily_metrics: (metric_date, project_id, created, completed, with_due_date, on_time, reopened)
METRICS = [
    (dt.date(2026, 10, 5), 100, 3, 2, 2, 1, 0),
    (dt.date(2026, 10, 5), 101, 1, 1, 0, 0, 0),
    (dt.date(2026, 10, 4), 101, 1, 0, 0, 0, 0),
    (dt.date(2026, 9, 30), 103, 0, 0, 0, 0, 1),   # a reopening only: no completion
    (dt.date(2026, 9, 29), 100, 2, 1, 1, 1, 0),
    (dt.date(2026, 9, 28), 101, 5, 4, 3, 3, 0),
    (dt.date(2026, 9, 22), 102, 1, 1, 0, 0, 0),
    (dt.date(2026, 9, 21), 100, 7, 7, 7, 5, 0),
    (dt.date(2026, 9, 6), 104, 0, 2, 2, 0, 0),
    (dt.date(2026, 9, 5), 100, 0, 9, 9, 9, 0),
    (dt.date(2026, 7, 8), 101, 4, 0, 0, 0, 0),
    (dt.date(2026, 7, 7), 101, 100, 0, 0, 0, 0),  # the mart's first day
]
# marts.project_health: (as_of_date, project_id, open, overdue, completed_30d, on_time_rate_30d)
HEALTH = [
    (D, 100, 12, 3, 10, "0.7000"), (D, 101, 4, 0, 5, "1.0000"), (D, 102, 7, 7, 1, None),
    (NIGHTS[1], 100, 11, 2, 9, "0.6667"), (NIGHTS[1], 101, 5, 1, 4, "1.0000"), (NIGHTS[1], 102, 7, 6, 1, None),
    (NIGHTS[1], 103, 0, 0, 0, None),
    (NIGHTS[2], 100, 1, 1, 8, "0.5000"), (NIGHTS[2], 101, 5, 5, 3, "0.3333"),
]
# marts.user_productivity: (as_of_date, user_id, team, completed_7d, completed_30d)
PRODUCTIVITY = [
    (D, 1, TEAM_A, 9, 20), (D, 2, TEAM_B, 1, 1),
    *((D, n, TEAM_B if n % 2 else TEAM_A, c7, c7 + 5)
      for n, c7 in zip(range(10, 22), (5, 9, 9, 1, 2, 3, 4, 6, 7, 8, 1, 0), strict=True)),
    (NIGHTS[1], 2, TEAM_B, 3, 3), (NIGHTS[1], 3, None, 0, 4),
]


def with_db(uri: str, dbname: str) -> str:
    return make_conninfo("", **{**conninfo_to_dict(uri), "dbname": dbname})


def url_of(uri: str, dbname: str) -> str:
    """A postgresql:// URI (what Airflow connections take)."""
    p = conninfo_to_dict(uri)
    auth = p.get("user", "postgres") + (f":{p['password']}" if p.get("password") else "")
    return f"postgresql://{auth}@{p.get('host', '127.0.0.1')}:{p.get('port', 5432)}/{dbname}"


@contextmanager
def scratch_databases(admin_uri: str) -> Iterator[Callable[[str], tuple[str, str]]]:
    """Yields `create(prefix)`, which makes an empty, uniquely named database and returns its
    (libpq conninfo, postgresql:// URI); every database it made is dropped on exit."""
    made: list[str] = []

    def create(prefix: str) -> tuple[str, str]:
        made.append(f"{prefix}_{uuid.uuid4().hex[:10]}")
        with psycopg.connect(admin_uri, autocommit=True) as admin:
            admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(made[-1])))
        return with_db(admin_uri, made[-1]), url_of(admin_uri, made[-1])

    try:
        yield create
    finally:
        with psycopg.connect(admin_uri, autocommit=True) as admin:
            for name in made:
                admin.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


def apply_ddl(conninfo: str) -> None:
    with psycopg.connect(conninfo, autocommit=True) as conn:
        for name in DDL:
            conn.execute(query(name))


def fill(conninfo: str) -> None:
    """The rows above, into core and marts."""
    since = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    moved = dt.datetime(2026, 6, 1, tzinfo=dt.UTC)
    with psycopg.connect(conninfo) as conn, conn.cursor() as cur:
        cur.executemany(
            "INSERT INTO core.dim_user (user_id, email, full_name, team, role, is_active, valid_from, valid_to, "
            "is_current, is_inferred) VALUES (%s, %s, %s, %s, 'member', true, %s, %s, %s, %s)",
            [(uid, f"u{uid}@example.com", name, team, moved if current and uid == 1 else since,
              "infinity" if current else moved, current, inferred)
             for uid, name, team, current, inferred in USERS])
        cur.executemany("INSERT INTO core.dim_project (project_id, name, category, owner_user_id, archived_at, "
                        "is_inferred) VALUES (%s, %s, %s, %s, %s, %s)", PROJECTS)
        cur.executemany(
            "INSERT INTO marts.agg_daily_metrics (metric_date, project_id, tasks_created, tasks_completed, "
            "completed_with_due_date, completed_on_time, on_time_rate, reopened, avg_cycle_hours) "
            "VALUES (%s, %s, %s, %s, %s, %s, round(%s::numeric / nullif(%s, 0), 4), %s, 24.5)",
            [(d, p, c, done, due, ok, ok, due, r) for d, p, c, done, due, ok, r in METRICS])
        cur.executemany("INSERT INTO marts.project_health VALUES (%s, %s, %s, %s, %s, %s)", HEALTH)
        cur.executemany("INSERT INTO marts.user_productivity VALUES (%s, %s, %s, %s, %s)", PRODUCTIVITY)


def build(create: Callable[[str], tuple[str, str]]) -> tuple[str, str]:
    """A filled warehouse, from a `scratch_databases` creator: (conninfo, postgresql:// URI)."""
    conninfo, url = create("t_tf_page")
    apply_ddl(conninfo)
    fill(conninfo)
    return conninfo, url


def wh(conninfo: str, statement: str, params=None) -> list[tuple]:
    with psycopg.connect(conninfo, autocommit=True) as conn:
        cur = conn.execute(statement, params)
        return cur.fetchall() if cur.description else []
