"""SQL files from include/sql: the one way to load, compose and run them.

- `query(name, **identifiers)`: one statement, ready for `conn.execute(query, params)`.
  Identifiers (never values) and other composed SQL are filled in safely.
- `run_sql(conn, name, params, **identifiers)`: a file of several statements, one after another
  (bind parameters allow one statement per execute).
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

import psycopg
from psycopg import sql

SQL_DIR = Path(__file__).resolve().parents[1] / "sql"


@cache
def sql_text(name: str) -> str:
    return (SQL_DIR / name).read_text()


@cache
def _executable(name: str) -> str:
    """The file without its whole-line comments: a comment may name a %(parameter)s or end
    in a semicolon, and neither may reach the driver."""
    return "".join(line for line in sql_text(name).splitlines(keepends=True) if not line.lstrip().startswith("--"))


def fillers(identifiers: dict[str, str | sql.Composable]) -> dict[str, sql.Composable]:
    """Strings become (possibly schema-qualified) identifiers; Composables pass through."""
    return {k: v if isinstance(v, sql.Composable) else sql.Identifier(*v.split("."))
            for k, v in identifiers.items()}


def query(name: str, **identifiers: str | sql.Composable) -> sql.Composable:
    """A SQL file from include/sql, with its {identifiers} filled in; values stay bind parameters."""
    text = _executable(name)
    if not identifiers:
        return sql.SQL(text)
    return sql.SQL(text).format(**fillers(identifiers))


def statements(name: str) -> list[str]:
    """The statements of a file, split at a `;` that ends a line."""
    return [s for s in _executable(name).split(";\n") if s.strip()]


def run_sql(conn: psycopg.Connection, name: str, params: dict | None = None,
            **identifiers: str | sql.Composable) -> int:
    """Execute a SQL file statement by statement. Returns the row count of the last statement."""
    rowcount = 0
    for statement in statements(name):
        rowcount = conn.execute(sql.SQL(statement).format(**fillers(identifiers)), params).rowcount
    return rowcount
