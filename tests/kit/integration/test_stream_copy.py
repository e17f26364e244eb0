"""pg_io.stream_copy pipes a query on one server into a table on another: every row exactly
once, across many chunks; a failure on either side fails the copy and keeps nothing of it."""

from __future__ import annotations

import psycopg
import pytest
from psycopg import sql

from include.warehouse_kit import pg_io

ROWS = 3 * pg_io.STREAM_CHUNK_ROWS + 7  # several full chunks and a partial one
COLUMNS = ("id", "note")


def _pair(world_factory) -> tuple[psycopg.Connection, psycopg.Connection]:
    _, source_uri = world_factory.database("t_stream_src")
    _, target_uri = world_factory.database("t_stream_dst")
    src, wh = pg_io.connect(source_uri), pg_io.connect(target_uri)
    wh.execute("CREATE TABLE landing (id bigint NOT NULL, note text)")
    return src, wh


# notes with a newline, a tab, a backslash and NULL: text COPY escapes them, a row stays one line
NOTES = sql.SQL("CASE mod(i, 4) WHEN 0 THEN NULL WHEN 1 THEN 'line' || chr(10) || i "
                "WHEN 2 THEN 'tab' || chr(9) || chr(92) ELSE i::text END")


def _rows(note: sql.Composable = NOTES) -> sql.Composable:
    return sql.SQL("SELECT i AS id, {note} AS note FROM generate_series(1, %(rows)s) i").format(note=note)


def test_every_row_arrives_once_and_unchanged(world_factory):
    src, wh = _pair(world_factory)
    copied = pg_io.stream_copy(src, _rows(), {"rows": ROWS}, wh, "landing", COLUMNS)
    assert copied == ROWS
    expected = src.execute(sql.SQL("SELECT md5(string_agg(id || ':' || coalesce(note, '<null>'), '|' ORDER BY id)) "
                                   "FROM ({}) r").format(_rows()), {"rows": ROWS}).fetchone()[0]
    assert wh.execute("SELECT count(*), md5(string_agg(id || ':' || coalesce(note, '<null>'), '|' ORDER BY id)) "
                      "FROM landing").fetchone() == (ROWS, expected)


def test_a_source_that_fails_half_way_leaves_the_target_empty(world_factory):
    src, wh = _pair(world_factory)
    # row 5000 divides by zero, after more than one chunk has been written
    failing = _rows(sql.SQL("(1 / (i - 5000))::text"))
    with pytest.raises(psycopg.errors.DivisionByZero):
        pg_io.stream_copy(src, failing, {"rows": ROWS}, wh, "landing", COLUMNS)
    assert wh.execute("SELECT count(*) FROM landing").fetchone()[0] == 0
    assert src.execute("SELECT 1").fetchone() == (1,) and wh.execute("SELECT 1").fetchone() == (1,)


def test_a_target_that_rejects_a_row_fails_the_copy_and_both_connections_stay_usable(world_factory):
    src, wh = _pair(world_factory)
    wh.execute("ALTER TABLE landing ADD CHECK (id <> 4321)")
    with pytest.raises(psycopg.errors.CheckViolation):
        pg_io.stream_copy(src, _rows(), {"rows": ROWS}, wh, "landing", COLUMNS)
    assert wh.execute("SELECT count(*) FROM landing").fetchone()[0] == 0
    assert src.execute("SELECT 1").fetchone() == (1,) and wh.execute("SELECT 1").fetchone() == (1,)
