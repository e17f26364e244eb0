"""Turn Airflow connections into psycopg connections (session time zone pinned to UTC)."""

from __future__ import annotations

import psycopg
from psycopg.conninfo import make_conninfo

from include.warehouse_kit import pg_io

# libpq parameters that may come from a connection's extras.
LIBPQ_EXTRAS = {"sslmode", "sslrootcert", "sslcert", "sslkey", "connect_timeout",
                "application_name", "target_session_attrs", "keepalives", "keepalives_idle"}


def conninfo(conn_id: str) -> str:
    from airflow.sdk import BaseHook

    conn = BaseHook.get_connection(conn_id)
    extras = {k: v for k, v in (conn.extra_dejson or {}).items() if k in LIBPQ_EXTRAS}
    params = {"host": conn.host, "port": conn.port, "user": conn.login,
              "password": conn.password, "dbname": conn.schema}
    return make_conninfo("", **{k: v for k, v in params.items() if v not in (None, "")}, **extras)


def connect(conn_id: str, **kwargs) -> psycopg.Connection:
    return pg_io.connect(conninfo(conn_id), application_name=f"etl:{conn_id}", **kwargs)
