"""Routes of the segments page. Mounted at /segments by plugins/segments_page.py.

Airflow does not authenticate apps that plugins mount (apache/airflow#72655), so the app
itself depends on the auth manager (include/warehouse_kit/page_kit/): every route, assets
included, needs a signed-in user (the UI's session cookie or an `Authorization: Bearer`
token) who may see the Airflow UI.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any

from fastapi import FastAPI, Query
from fastapi.responses import StreamingResponse

from include.crm.contracts import SEGMENTS
from include.crm.segments_page import filters, queries
from include.warehouse_kit.page_kit.app import add_static_routes, csv_download, page_app
from include.warehouse_kit.page_kit.params import csv_view

STATIC = Path(__file__).parent / "static"
ASSETS = {"page.js": "text/javascript", "page.css": "text/css", "icon.svg": "image/svg+xml"}


def create_app(auth: Callable | None = None) -> FastAPI:
    """`auth` replaces the auth manager's dependency (tests)."""
    # The kit answers a FilterError with 422, a LookupError (no snapshot yet) with 404, and GET /
    # with index.html.
    app = page_app("Customer segments", auth, index=STATIC / "index.html")
    add_static_routes(app, STATIC, ASSETS)

    @app.get("/api/choices")
    def choices() -> dict[str, Any]:
        with queries.connect() as conn:
            c = queries.choices(conn)
        return {"as_of_dates": [d.isoformat() for d in c.as_of_dates], "countries": list(c.countries),
                "channels": list(c.channels), "segments": list(SEGMENTS),
                "first_sale_date": _iso(c.first_sale_date), "last_sale_date": _iso(c.last_sale_date),
                "sort_columns": list(filters.SORT_COLUMNS), "max_page_size": filters.MAX_PAGE_SIZE}

    @app.get("/api/kpis")
    def kpis(as_of_date: str | None = None) -> dict[str, Any]:
        with queries.connect() as conn:
            day = filters.snapshot_date(as_of_date, queries.choices(conn))
            return {"as_of_date": day.isoformat(), **queries.kpis(conn, day)}

    @app.get("/api/segment_summary")
    def segment_summary(as_of_date: str | None = None) -> dict[str, Any]:
        with queries.connect() as conn:
            day = filters.snapshot_date(as_of_date, queries.choices(conn))
            return {"as_of_date": day.isoformat(), "rows": queries.segment_summary(conn, day)}

    @app.get("/api/segment_movement")
    def segment_movement(as_of_date: str | None = None) -> dict[str, Any]:
        with queries.connect() as conn:
            c = queries.choices(conn)
            day = filters.snapshot_date(as_of_date, c)
            earlier = [d for d in c.as_of_dates if d < day]
            return {"as_of_date": day.isoformat(), "previous_as_of_date": _iso(earlier[0] if earlier else None),
                    "rows": queries.segment_movement(conn, day)}

    @app.get("/api/daily_sales")
    def daily_sales(as_of_date: str | None = None, date_from: str | None = None, date_to: str | None = None,
                    country: Annotated[list[str], Query()] = (), channel: Annotated[list[str], Query()] = ()
                    ) -> dict[str, Any]:
        with queries.connect() as conn:
            c = queries.choices(conn)
            day = filters.snapshot_date(as_of_date, c) if as_of_date or c.as_of_dates else None
            sales = filters.sales_filter(date_from, date_to, list(country), list(channel), c, day)
            return {"date_from": sales.date_from.isoformat(), "date_to": sales.date_to.isoformat(),
                    "countries": list(sales.countries or ()), "channels": list(sales.channels or ()),
                    "rows": queries.sales_trend(conn, sales, filters.trend_days(sales, c))}

    @app.get("/api/customer_segments")
    def customer_segments(as_of_date: str | None = None, segment: str | None = None, sort: str | None = None,
                          direction: str | None = None, page: str | None = None, page_size: str | None = None
                          ) -> dict[str, Any]:
        picked = filters.segment(segment)
        paging = filters.customer_page(sort, direction, page, page_size)
        with queries.connect() as conn:
            day = filters.snapshot_date(as_of_date, queries.choices(conn))
            return {"as_of_date": day.isoformat(), "segment": picked,
                    **queries.customers(conn, day, picked, paging)}

    @app.get("/export/{name}")
    def export(name: str, as_of_date: str | None = None, segment: str | None = None,
               sort: str | None = None, direction: str | None = None,
               date_from: str | None = None, date_to: str | None = None,
               country: Annotated[list[str], Query()] = (), channel: Annotated[list[str], Query()] = ()
               ) -> StreamingResponse:
        view = csv_view(name, filters.VIEWS)
        picked = filters.segment(segment)
        with queries.connect() as conn:
            c = queries.choices(conn)
        if view == "daily_sales":
            day = filters.snapshot_date(as_of_date, c) if as_of_date or c.as_of_dates else None
            sales = filters.sales_filter(date_from, date_to, list(country), list(channel), c, day)
            params: dict[str, Any] = {"sales": sales}
            label = f"{sales.date_from}_{sales.date_to}"
        else:
            day = filters.snapshot_date(as_of_date, c)
            if view == "segment_contacts" and day != c.as_of_dates[0]:
                raise filters.FilterError(
                    f"segment_contacts holds only the latest snapshot ({c.as_of_dates[0]}): consent is current")
            params = {"as_of_date": day, "segment": picked}
            if view == "customer_segments":
                params["page"] = filters.customer_page(sort, direction, 1, 1)
            label = day.isoformat() + (f"_{picked}" if picked and view != "segment_summary" else "")
        return csv_download(queries.export_chunks(view, params), f"{view}_{label}.csv")

    return app


def _iso(day: dt.date | None) -> str | None:
    return day.isoformat() if day else None
