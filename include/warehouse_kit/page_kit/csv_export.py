"""CSV for Excel users, streamed: UTF-8 with a BOM, RFC 4180 (CRLF, minimal quoting), a header.

Rows come from a server-side cursor a batch at a time and leave as ~64 KiB chunks, so memory
stays flat however many rows a view has (`stream_rows`, then `encode`).

Text that a spreadsheet would run as a formula (a cell starting with =, +, -, @, tab or CR,
OWASP "CSV injection") is prefixed with an apostrophe; Excel shows the text as written.
Numbers are never touched.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import Any

import psycopg
from psycopg import sql
from psycopg.types.string import TextLoader

BOM = "\ufeff"
CHUNK_BYTES = 64 * 1024
FETCH_ROWS = 5_000
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
TEXT_OIDS = {25, 1042, 1043}  # text, char(n), varchar
BOOL_OID = 16
AS_TEXT = ("int2", "int4", "int8", "numeric", "float4", "float8", "date")


def excel_safe(value: str) -> str:
    return "'" + value if value.startswith(FORMULA_TRIGGERS) else value


def _cell(value: Any) -> Any:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return excel_safe(value)
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    return value


def any_row(row: Sequence[Any]) -> list[Any]:
    """Converts every cell by its Python type (for rows of unknown shape)."""
    return [_cell(v) for v in row]


def typed_row(text_columns: Sequence[int], bool_columns: Sequence[int] = ()) -> Callable | None:
    """A converter that touches only the given columns (None when no column needs it)."""
    if not text_columns and not bool_columns:
        return None

    def convert(row: Sequence[Any]) -> list[Any]:
        cells = list(row)
        for i in text_columns:
            value = cells[i]
            if value and value.startswith(FORMULA_TRIGGERS):
                cells[i] = "'" + value
        for i in bool_columns:
            if cells[i] is not None:
                cells[i] = "true" if cells[i] else "false"
        return cells

    return convert


def encode(columns: Sequence[str], batches: Iterable[Sequence[Sequence[Any]]],
           convert: Callable | None = any_row, chunk_bytes: int = CHUNK_BYTES) -> Iterator[bytes]:
    """Header and rows as CSV bytes, in chunks of about `chunk_bytes`. `convert` maps a row to
    its cells (None: write rows as they are)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n", quoting=csv.QUOTE_MINIMAL)
    buffer.write(BOM)
    writer.writerow(columns)
    for batch in batches:
        writer.writerows(batch if convert is None else map(convert, batch))
        if buffer.tell() >= chunk_bytes:
            yield buffer.getvalue().encode("utf-8")
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue().encode("utf-8")


def _as_text(cursor: psycopg.Cursor) -> None:
    for type_name in AS_TEXT:  # PostgreSQL's own text is already the CSV cell
        cursor.adapters.register_loader(type_name, TextLoader)


def _converter(cursor: psycopg.Cursor) -> Callable | None:
    return typed_row([i for i, c in enumerate(cursor.description) if c.type_code in TEXT_OIDS],
                     [i for i, c in enumerate(cursor.description) if c.type_code == BOOL_OID])


def stream_rows(connect: Callable[[], psycopg.Connection], query: sql.Composable, params: dict,
                cursor_name: str = "csv_export") -> tuple[list[str], Callable | None, Iterator[list[tuple]]]:
    """Open a server-side cursor for `query`; return its column names, the row converter its
    column types need, and an iterator of row batches. The connection closes when the
    iterator is exhausted or closed."""
    conn = connect()
    try:
        conn.autocommit = False  # a named cursor lives inside a transaction
        cursor = conn.cursor(name=cursor_name)
        _as_text(cursor)
        cursor.execute(query, params)
        columns = [c.name for c in cursor.description]
        convert = _converter(cursor)
    except BaseException:
        conn.close()
        raise

    def batches() -> Iterator[list[tuple]]:
        try:
            while rows := cursor.fetchmany(FETCH_ROWS):
                yield rows
        finally:
            conn.close()

    return columns, convert, batches()


def csv_rows(conn: psycopg.Connection, query: sql.Composable, params: dict
             ) -> tuple[list[str], Callable | None, list[tuple]]:
    """The rows of `query` on an open connection, as `stream_rows` gives them (for a result
    that fits in memory): column names, row converter, rows."""
    with conn.cursor() as cursor:
        _as_text(cursor)
        cursor.execute(query, params)
        return [c.name for c in cursor.description], _converter(cursor), cursor.fetchall()


def csv_chunks(connect: Callable[[], psycopg.Connection], query: sql.Composable, params: dict,
               cursor_name: str = "csv_export") -> Iterator[bytes]:
    """The rows of `query` as Excel-safe CSV bytes, streamed from a server-side cursor."""
    columns, convert, batches = stream_rows(connect, query, params, cursor_name)
    return encode(columns, batches, convert)
