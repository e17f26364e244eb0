"""SQL files from include/sql, with identifiers (never values) filled in safely."""

from __future__ import annotations

from functools import cache
from pathlib import Path

from psycopg import sql

SQL_DIR = Path(__file__).resolve().parents[1] / "sql"


@cache
def sql_text(name: str) -> str:
    return (SQL_DIR / name).read_text()


def fillers(identifiers: dict[str, str | sql.Composable]) -> dict[str, sql.Composable]:
    """Strings become (possibly schema-qualified) identifiers; Composables pass through."""
    return {k: v if isinstance(v, sql.Composable) else sql.Identifier(*v.split("."))
            for k, v in identifiers.items()}


def query(name: str, **identifiers: str | sql.Composable) -> sql.Composable:
    """A SQL file from include/sql. Identifiers (never values) and other SQL files are filled
    in safely; values are always bind parameters."""
    text = sql_text(name)
    if not identifiers:
        return sql.SQL(text)
    return sql.SQL(text).format(**fillers(identifiers))
