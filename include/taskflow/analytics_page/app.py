"""Routes of the Task analytics page. Mounted at /task-analytics by plugins/task_analytics_page.py.

Airflow does not authenticate apps that plugins mount (apache/airflow#72655), so the app depends
on the auth manager through the kit (include/warehouse_kit/page_kit/): every route, the assets
and the CSV downloads included, needs a signed-in user (the UI's session cookie or an
`Authorization: Bearer` token) who may see the Airflow UI.

    GET /                              the page
    GET /static/{page.js,page.css,icon.svg,count_axis.js,plotly.min.js}
    GET /api/choices                   nights (newest first), teams, categories, limits
    GET /api/kpis                      ?as_of_date
    GET /api/created_vs_completed      ?as_of_date            the 90 days up to the night, zero-filled
    GET /api/completion_by_project     ?as_of_date            the 30 days up to the night
    GET /api/top_users                 ?as_of_date            the 10 of the 7 days up to the night
    GET /api/project_health            ?as_of_date&date_from&date_to&team&category&sort&direction&page&page_size
    GET /export/{view}.csv             the same parameters as the view's API route, without paging
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any

from fastapi import FastAPI, Query
from fastapi.responses import StreamingResponse

from include.taskflow.analytics_page import filters, queries
from include.warehouse_kit.page_kit.app import add_static_routes, csv_download, page_app
from include.warehouse_kit.page_kit.params import csv_view

STATIC = Path(__file__).parent / "static"
ASSETS = {"page.js": "text/javascript", "page.css": "text/css", "icon.svg": "image/svg+xml"}
Values = Annotated[list[str], Query()]


def _night(conn, as_of_date: str | None) -> tuple[filters.Choices, dt.date]:
    c = queries.choices(conn)
    return c, filters.night(as_of_date, c)


def create_app(auth: Callable | None = None) -> FastAPI:
    """`auth` replaces the auth manager's dependency (tests)."""
    # The kit answers a FilterError (a parameter the page refuses) with 422, a LookupError (no
    # night published yet) with 404, and GET / with index.html.
    app = page_app("Task analytics", auth, index=STATIC / "index.html")
    add_static_routes(app, STATIC, ASSETS)

    @app.get("/api/choices")
    def choices() -> dict[str, Any]:
        with queries.connect() as conn:
            c = queries.choices(conn)
        return {"as_of_dates": [d.isoformat() for d in c.as_of_dates], "teams": list(c.teams),
                "categories": list(c.categories),
                "first_metric_date": c.first_metric_date.isoformat() if c.first_metric_date else None,
                "sort_columns": list(filters.SORT_COLUMNS), "max_page_size": filters.MAX_PAGE_SIZE,
                "max_health_days": filters.MAX_HEALTH_DAYS}

    @app.get("/api/kpis")
    def kpis(as_of_date: str | None = None) -> dict[str, Any]:
        with queries.connect() as conn:
            _, day = _night(conn, as_of_date)
            return queries.kpis(conn, day)

    @app.get("/api/created_vs_completed")
    def created_vs_completed(as_of_date: str | None = None) -> dict[str, Any]:
        with queries.connect() as conn:
            c, day = _night(conn, as_of_date)
            window = filters.trend(day, c)
            return {"as_of_date": day.isoformat(), **_window(window),
                    "rows": queries.created_vs_completed(conn, window)}

    @app.get("/api/completion_by_project")
    def completion_by_project(as_of_date: str | None = None) -> dict[str, Any]:
        with queries.connect() as conn:
            _, day = _night(conn, as_of_date)
            window = filters.trailing(day, filters.COMPLETION_DAYS)
            return {"as_of_date": day.isoformat(), **_window(window),
                    "rows": queries.completion_by_project(conn, window)}

    @app.get("/api/top_users")
    def top_users(as_of_date: str | None = None) -> dict[str, Any]:
        with queries.connect() as conn:
            _, day = _night(conn, as_of_date)
            return {"as_of_date": day.isoformat(), **_window(filters.trailing(day, 7)),
                    "rows": queries.top_users(conn, day)}

    @app.get("/api/project_health")
    def project_health(as_of_date: str | None = None, date_from: str | None = None, date_to: str | None = None,
                       team: Values = (), category: Values = (), sort: str | None = None,
                       direction: str | None = None, page: str | None = None, page_size: str | None = None
                       ) -> dict[str, Any]:
        paging = filters.health_page(sort, direction, page, page_size)
        with queries.connect() as conn:
            c, day = _night(conn, as_of_date)
            health = filters.health_filter(date_from, date_to, list(team), list(category), c, day)
            return {"as_of_date": day.isoformat(), **_window(health), "teams": list(health.teams or ()),
                    "categories": list(health.categories or ()), **queries.project_health(conn, health, paging)}

    @app.get("/export/{name}")
    def export(name: str, as_of_date: str | None = None, date_from: str | None = None, date_to: str | None = None,
               team: Values = (), category: Values = (), sort: str | None = None, direction: str | None = None
               ) -> StreamingResponse:
        view = csv_view(name, filters.VIEWS)
        paging = filters.health_page(sort, direction, 1, 1)
        with queries.connect() as conn:
            c, day = _night(conn, as_of_date)
        if view in ("kpis", "top_users"):
            params: dict[str, Any] = {"as_of_date": day}
            label = day.isoformat()
        elif view == "project_health":
            health = filters.health_filter(date_from, date_to, list(team), list(category), c, day)
            params = {"health": health, "page": paging}
            label = f"{health.date_from}_{health.date_to}"
        else:
            window = filters.trend(day, c) if view == "created_vs_completed" else filters.trailing(
                day, filters.COMPLETION_DAYS)
            params = {"window": window}
            label = window.label
        return csv_download(queries.export_chunks(view, params), f"{view}_{label}.csv")

    return app


def _window(window: filters.Window | filters.HealthFilter) -> dict[str, str]:
    return {"date_from": window.date_from.isoformat(), "date_to": window.date_to.isoformat()}
