"""The product database (schema taskflow) as the generator writes and reads it: rows go in and
out as frames through the kit's COPY helpers (include/warehouse_kit/pg_io.py).

In memory a row is a dict of numpy columns named as in the contract, with epoch seconds for
timestamps, days since 1970 for due_date, status codes for status and -1 for NULL ids and times.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import psycopg
import pyarrow as pa
from psycopg import sql

from devtools.demo_taskflow.volumes import ts
from include.taskflow.contracts import BY_NAME, SOURCE_SCHEMA, STATUSES
from include.warehouse_kit import pg_io
from include.warehouse_kit.sql_files import run_sql

DDL = "taskflow/source/create_taskflow_schema.sql"  # under include/sql
TABLES = ("users", "projects", "tasks")
TYPES = {name: dict(BY_NAME[name].types) for name in TABLES}


def recreate(conn: psycopg.Connection) -> None:
    """Drop the three tables and create them again from the source DDL."""
    conn.execute(sql.SQL("DROP TABLE IF EXISTS {}").format(
        sql.SQL(", ").join(sql.Identifier(SOURCE_SCHEMA, t) for t in TABLES)))
    run_sql(conn, DDL)


def frame(table: str, cols: dict[str, np.ndarray], columns: tuple[str, ...] | None = None) -> pd.DataFrame:
    """In-memory columns -> a frame typed for COPY (only ``columns``, by default the contract's)."""
    out = {}
    for name in columns or tuple(TYPES[table]):
        kind, x = TYPES[table][name], cols[name]
        if kind == "timestamptz":
            out[name] = ts(x)
        elif kind == "date":
            days = np.asarray(x, dtype=np.int64)
            out[name] = pd.arrays.ArrowExtensionArray(pa.array(days.astype("datetime64[D]"), mask=days < 0))
        elif kind == "bigint" and name != f"{table[:-1]}_id":
            ids = np.asarray(x, dtype=np.int64)
            out[name] = pd.arrays.IntegerArray(ids, ids < 0)
        elif name == "status" and np.asarray(x).dtype.kind in "iu":
            out[name] = np.array(STATUSES, dtype=object)[np.asarray(x, dtype=np.int64)]
        else:
            out[name] = x
    return pd.DataFrame(out)


def records(cols: dict[str, np.ndarray], idx) -> list[dict]:
    """Rows ``idx`` as plain values (for the state file)."""
    return [{c: (x.item() if isinstance(x, np.generic) else x) for c, x in zip(cols, row, strict=True)}
            for row in zip(*(np.asarray(v)[idx] for v in cols.values()), strict=True)]


def from_records(table: str, rows: list[dict]) -> dict[str, np.ndarray]:
    out = {}
    for c, kind in TYPES[table].items():
        values = [r[c] for r in rows]
        out[c] = (np.array(values, dtype=np.int64) if kind in ("bigint", "timestamptz", "date") or c == "status"
                  else np.array(values, dtype=bool) if kind == "boolean" else np.array(values, dtype=object))
    return out


def insert(conn: psycopg.Connection, table: str, cols: dict[str, np.ndarray]) -> int:
    if len(cols[f"{table[:-1]}_id"]) == 0:
        return 0
    return pg_io.write_frame(conn, f"{SOURCE_SCHEMA}.{table}", frame(table, cols))


def update(conn: psycopg.Connection, table: str, cols: dict[str, np.ndarray], columns: tuple[str, ...]) -> int:
    """Set ``columns`` of the rows whose id is in ``cols``: COPY into a temp table, then one UPDATE."""
    key = f"{table[:-1]}_id"
    if len(cols[key]) == 0:
        return 0
    temp, names = sql.Identifier(f"_demo_{table}"), (key, *columns)
    conn.execute(sql.SQL("CREATE TEMP TABLE {} ON COMMIT DROP AS SELECT {} FROM {} WITH NO DATA").format(
        temp, sql.SQL(", ").join(map(sql.Identifier, names)), sql.Identifier(SOURCE_SCHEMA, table)))
    pg_io.write_frame(conn, f"_demo_{table}", frame(table, cols, names))
    sets = sql.SQL(", ").join(sql.SQL("{0} = u.{0}").format(sql.Identifier(c)) for c in columns)
    return conn.execute(sql.SQL("UPDATE {} AS t SET {} FROM {} AS u WHERE t.{} = u.{}").format(
        sql.Identifier(SOURCE_SCHEMA, table), sets, temp, sql.Identifier(key), sql.Identifier(key))).rowcount


def _epoch(column: str) -> sql.Composable:
    """A timestamptz as epoch seconds, -1 for NULL."""
    return sql.SQL("coalesce(extract(epoch FROM {0})::bigint, -1) AS {0}").format(sql.Identifier(column))


def read(conn: psycopg.Connection, table: str, columns: tuple[str, ...], where: str = "TRUE",
         params: dict | None = None) -> dict[str, np.ndarray]:
    """Columns of a table in id order, in the in-memory form. ``where`` is a fixed SQL condition
    (values only as %(name)s parameters)."""
    types = TYPES[table]
    exprs, out_types = [], {}
    for c in columns:
        if types[c] == "timestamptz":
            exprs.append(_epoch(c))
        elif types[c] == "date":
            exprs.append(sql.SQL("coalesce({0} - date '1970-01-01', -1) AS {0}").format(sql.Identifier(c)))
        elif types[c] == "bigint":
            exprs.append(sql.SQL("coalesce({0}, -1) AS {0}").format(sql.Identifier(c)))
        else:
            exprs.append(sql.Identifier(c))
        out_types[c] = "bigint" if types[c] in ("timestamptz", "date", "bigint") else types[c]
    query = sql.SQL("SELECT {} FROM {} WHERE {} ORDER BY {}").format(
        sql.SQL(", ").join(exprs), sql.Identifier(SOURCE_SCHEMA, table), sql.SQL(where),
        sql.Identifier(f"{table[:-1]}_id"))
    got = pg_io.read_frame(conn, query, params, out_types)
    out = {}
    for c in columns:
        if out_types[c] == "bigint":
            out[c] = got[c].to_numpy(dtype=np.int64)
        elif out_types[c] == "boolean":
            out[c] = got[c].to_numpy(dtype=bool)
        else:  # text: None for NULL (never a float NaN)
            out[c] = np.array([None if pd.isna(x) else x for x in got[c].tolist()], dtype=object)
    return out


def scalar(conn: psycopg.Connection, query: str, params: dict | None = None):
    return conn.execute(sql.SQL(query), params).fetchone()[0]
