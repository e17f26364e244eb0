"""The page's reads. Every query is a file in include/sql/taskflow/page/; values are bind
parameters, and the only identifiers come from the allow-lists in `filters`.

The session is the kit's page reader (page_kit/reader.py): read-only, time-limited, through
`warehouse_reader` when that connection exists (else `warehouse`). Marts are all it needs:
project and user names and teams come from the views in
include/sql/taskflow/bootstrap/create_page_views.sql.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

import psycopg
from psycopg import sql

from include.taskflow.analytics_page import filters
from include.warehouse_kit.page_kit import csv_export, reader
from include.warehouse_kit.sql_files import query

APPLICATION_NAME = "taskflow_etl:analytics_page"
# What the page reads (include/sql/taskflow/page/), for docs/lineage.md.
READS = ("marts.agg_daily_metrics", "marts.project_health", "marts.user_productivity", "marts.task_projects",
         "marts.task_users")
# The table each sort column is read from (h: project_health, p: the task_projects view).
SORT_SOURCE = {"name": "p", "category": "p", "team": "p"}


def connect(info: str | None = None) -> psycopg.Connection:
    return reader.connect(APPLICATION_NAME, info)


def choices(conn: psycopg.Connection) -> filters.Choices:
    nights, teams, categories, first = conn.execute(query("taskflow/page/select_filter_choices.sql")).fetchone()
    return filters.Choices(tuple(nights), tuple(teams), tuple(categories), first)


def kpis(conn: psycopg.Connection, day: dt.date) -> dict[str, Any]:
    return reader.json_rows(conn, query("taskflow/page/select_kpis.sql"), {"as_of_date": day})[0]


def created_vs_completed(conn: psycopg.Connection, window: filters.Window) -> list[dict[str, Any]]:
    return reader.json_rows(conn, query("taskflow/page/select_created_vs_completed.sql"), window.params())


def completion_by_project(conn: psycopg.Connection, window: filters.Window) -> list[dict[str, Any]]:
    return reader.json_rows(conn, query("taskflow/page/select_completion_by_project.sql"), window.params())


def top_users(conn: psycopg.Connection, day: dt.date) -> list[dict[str, Any]]:
    return reader.json_rows(conn, query("taskflow/page/select_top_users.sql"), {"as_of_date": day, "limit": filters.TOP_USERS})


def health_statement(page: filters.HealthPage) -> sql.Composable:
    return query("taskflow/page/select_project_health.sql",
                 sort_column=f"{SORT_SOURCE.get(page.sort, 'h')}.{page.sort}",
                 direction=sql.SQL(page.direction.upper()))


def project_health(conn: psycopg.Connection, health: filters.HealthFilter, page: filters.HealthPage) -> dict[str, Any]:
    total = conn.execute(query("taskflow/page/count_project_health.sql"), health.params()).fetchone()[0]
    rows = reader.json_rows(conn, health_statement(page), {**health.params(), "limit": page.page_size, "offset": page.offset})
    return {"total": total, "page": page.page, "page_size": page.page_size, "sort": page.sort,
            "direction": page.direction, "rows": rows}


def export_statement(view: str, params: dict) -> tuple[sql.Composable, dict]:
    """The statement and bind parameters behind one view's CSV: the rows the page shows, without
    paging. `params` holds `as_of_date`, `window`, or `health` and `page`, as the view needs."""
    view = filters.view(view)
    if view == "kpis":
        return query("taskflow/page/select_kpis.sql"), {"as_of_date": params["as_of_date"]}
    if view == "top_users":
        return query("taskflow/page/select_top_users.sql"), {"as_of_date": params["as_of_date"],
                                                              "limit": filters.TOP_USERS}
    if view == "project_health":
        return health_statement(params["page"]), {**params["health"].params(), "limit": None, "offset": 0}
    return query(f"taskflow/page/select_{view}.sql"), params["window"].params()


def export_chunks(view: str, params: dict, info: str | None = None) -> Iterator[bytes]:
    statement, binds = export_statement(view, params)
    return csv_export.csv_chunks(lambda: connect(info), statement, binds, cursor_name="task_analytics_export")
