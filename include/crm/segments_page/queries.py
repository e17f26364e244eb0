"""The page's reads. Every query is a file in include/sql/crm/segments_page/; values are bind
parameters, and the only identifiers come from the allow-lists in `filters`.

Reads go through the kit's page reader (include/warehouse_kit/page_kit/reader.py): the
Airflow connection `warehouse_reader`, else `warehouse`, in a read-only session whose
statements time out.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

import psycopg
from psycopg import sql

from include.crm.segments_page import filters
from include.warehouse_kit.page_kit import csv_export, reader
from include.warehouse_kit.sql_files import query

READER_CONN_ID = reader.READER_CONN_ID
APPLICATION_NAME = "crm_etl:segments_page"
# What the page reads (include/sql/crm/segments_page/), for docs/lineage.md.
READS = ("marts.customer_segments", "marts.segment_summary", "marts.segment_movement", "marts.daily_sales",
         "marts.segment_contacts")


def connect(info: str | None = None) -> psycopg.Connection:
    return reader.connect(APPLICATION_NAME, info)


def choices(conn: psycopg.Connection) -> filters.Choices:
    dates, countries, channels, first, last = conn.execute(query("crm/segments_page/select_filter_choices.sql")).fetchone()
    return filters.Choices(tuple(dates), tuple(countries), tuple(channels), first, last)


def kpis(conn: psycopg.Connection, as_of_date: dt.date) -> dict[str, Any]:
    return reader.json_rows(conn, query("crm/segments_page/select_kpis.sql"), {"as_of_date": as_of_date})[0]


def segment_summary(conn: psycopg.Connection, as_of_date: dt.date) -> list[dict[str, Any]]:
    return reader.json_rows(conn, query("crm/segments_page/select_segment_summary.sql"), {"as_of_date": as_of_date})


def segment_movement(conn: psycopg.Connection, as_of_date: dt.date) -> list[dict[str, Any]]:
    return reader.json_rows(conn, query("crm/segments_page/select_segment_movement.sql"), {"as_of_date": as_of_date})


def sales_trend(conn: psycopg.Connection, sales: filters.SalesFilter,
                days: tuple[dt.date, dt.date] | None = None) -> list[dict[str, Any]]:
    """One row per day of `days` (the page passes filters.trend_days; default: the filter's
    whole range), zero on a day without sales."""
    first, last = days or (sales.date_from, sales.date_to)
    return reader.json_rows(conn, query("crm/segments_page/select_daily_sales_trend.sql"),
                 {**sales.params(), "fill_from": first, "fill_to": last})


def customer_statement(page: filters.CustomerPage) -> sql.Composable:
    return query("crm/segments_page/select_customer_segments.sql", sort_column=page.sort,
                 direction=sql.SQL(page.direction.upper()))


def customers(conn: psycopg.Connection, as_of_date: dt.date, segment: str | None,
              page: filters.CustomerPage) -> dict[str, Any]:
    params = {"as_of_date": as_of_date, "segment": segment}
    total = conn.execute(query("crm/segments_page/count_customer_segments.sql"), params).fetchone()[0]
    rows = reader.json_rows(conn, customer_statement(page),
                 {**params, "limit": page.page_size, "offset": page.offset})
    return {"total": total, "page": page.page, "page_size": page.page_size, "sort": page.sort,
            "direction": page.direction, "rows": rows}


def export_statement(view: str, params: dict) -> tuple[sql.Composable, dict]:
    """The statement and bind parameters behind one view's CSV (the same rows the page shows,
    without paging)."""
    if view == "customer_segments":
        page = params.pop("page")
        return customer_statement(page), {**params, "limit": None, "offset": 0}
    if view == "daily_sales":
        return query("crm/segments_page/select_daily_sales.sql"), params["sales"].params()
    return query(f"crm/segments_page/select_{filters.view(view)}.sql"), params


def export_chunks(view: str, params: dict, info: str | None = None) -> Iterator[bytes]:
    statement, binds = export_statement(view, dict(params))
    return csv_export.csv_chunks(lambda: connect(info), statement, binds, cursor_name="segments_export")
