"""A page's warehouse session: through the Airflow connection `warehouse_reader` (meant to be
the read-only `dash_reader` role), falling back to `warehouse` when it is not set. Either way
the session is read-only and statements time out, so a slow or hostile request cannot hold
the warehouse. `json_rows` reads a statement's rows as a page's API answers them."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import psycopg
from psycopg import sql

from include.warehouse_kit import pg_io
from include.warehouse_kit.settings import WAREHOUSE_CONN_ID

READER_CONN_ID = "warehouse_reader"
SESSION = {"default_transaction_read_only": "on", "statement_timeout": "30s", "DateStyle": "ISO",
           "idle_in_transaction_session_timeout": "5min"}


def reader_conninfo() -> str:
    """`warehouse_reader` when it is set, else `warehouse`."""
    from airflow.exceptions import AirflowNotFoundException

    from include.warehouse_kit.connections import conninfo

    try:
        return conninfo(READER_CONN_ID)
    except AirflowNotFoundException:
        return conninfo(WAREHOUSE_CONN_ID)


def connect(application_name: str, info: str | None = None) -> psycopg.Connection:
    """A read-only session on `info`, else on the reader connection."""
    return pg_io.connect(info or reader_conninfo(), session=SESSION, application_name=application_name)


def json_value(value: Any) -> Any:
    """A value as JSON carries it: numerics as numbers, dates as YYYY-MM-DD."""
    if isinstance(value, Decimal):
        return float(value)
    return value.isoformat() if isinstance(value, dt.date) else value


def json_rows(conn: psycopg.Connection, statement: sql.Composable, params: dict) -> list[dict[str, Any]]:
    """The rows of `statement`, each a dict of column name -> `json_value`."""
    cur = conn.execute(statement, params)
    columns = [c.name for c in cur.description]
    return [{name: json_value(value) for name, value in zip(columns, row, strict=True)} for row in cur]
