"""A first load into an empty core table builds the table's indexes after its rows
(warehouse_kit.load.indexes_after_rows): the same indexes and unique keys as before, in the
load's transaction; a table that holds rows keeps its indexes throughout."""

from __future__ import annotations

import psycopg
import pytest

from include.warehouse_kit import load, pg_io

TABLE = "core.widgets"


def _warehouse(world_factory) -> psycopg.Connection:
    _, uri = world_factory.database("t_first_load_indexes")
    wh = pg_io.connect(uri)
    wh.execute("CREATE SCHEMA IF NOT EXISTS core")
    wh.execute("DROP TABLE IF EXISTS core.widgets")
    wh.execute("""CREATE TABLE core.widgets (
        widget_key bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        widget_id bigint NOT NULL UNIQUE, name text, made_at timestamptz, retired boolean NOT NULL DEFAULT false)""")
    wh.execute("CREATE INDEX widgets_made_idx ON core.widgets (made_at) INCLUDE (widget_key) WHERE NOT retired")
    wh.execute("CREATE INDEX widgets_name_idx ON core.widgets (lower(name)) WHERE name LIKE '%x%'")
    wh.commit()
    return wh


def _indexes(wh: psycopg.Connection) -> set[str]:
    return {d for (d,) in wh.execute("SELECT indexdef FROM pg_indexes WHERE schemaname = 'core' AND tablename = 'widgets'")}


def _unique_keys(wh: psycopg.Connection) -> set[tuple[str, str]]:
    return set(wh.execute("SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint "
                          "WHERE conrelid = 'core.widgets'::regclass AND contype = 'u'").fetchall())


def _insert(wh: psycopg.Connection, *ids: int) -> None:
    for widget_id in ids:
        wh.execute("INSERT INTO core.widgets (widget_id, name, made_at) VALUES (%s, 'box', now())", (widget_id,))


def test_an_empty_table_loads_without_its_indexes_and_gets_the_same_ones_back(world_factory):
    wh = _warehouse(world_factory)
    indexes, keys = _indexes(wh), _unique_keys(wh)
    assert len(indexes) == 4 and keys == {("widgets_widget_id_key", "UNIQUE (widget_id)")}
    with wh.transaction(), load.indexes_after_rows(wh, TABLE) as first:
        assert first is True
        assert _indexes(wh) == {"CREATE UNIQUE INDEX widgets_pkey ON core.widgets USING btree (widget_key)"}
        _insert(wh, 1, 2, 3)
    assert _indexes(wh) == indexes and _unique_keys(wh) == keys
    assert wh.execute("SELECT count(*) FROM core.widgets").fetchone()[0] == 3
    # the unique key holds again
    with pytest.raises(psycopg.errors.UniqueViolation):
        _insert(wh, 2)
    wh.rollback()


def test_a_table_with_rows_keeps_its_indexes(world_factory):
    wh = _warehouse(world_factory)
    _insert(wh, 1)
    wh.commit()
    indexes = _indexes(wh)
    with wh.transaction(), load.indexes_after_rows(wh, TABLE) as first:
        assert first is False
        assert _indexes(wh) == indexes
        _insert(wh, 2)
    assert _indexes(wh) == indexes


def test_an_empty_partitioned_table_keeps_its_indexes(world_factory):
    wh = _warehouse(world_factory)
    wh.execute("CREATE TABLE core.batches (run_id text NOT NULL, row bigint) PARTITION BY LIST (run_id)")
    wh.execute("CREATE INDEX batches_run_row_idx ON core.batches (run_id, row)")
    wh.execute("CREATE TABLE core.batches_a PARTITION OF core.batches FOR VALUES IN ('a')")
    wh.commit()
    indexes = "SELECT indexname FROM pg_indexes WHERE schemaname = 'core' AND tablename LIKE 'batches%' ORDER BY 1"
    before = wh.execute(indexes).fetchall()
    with wh.transaction(), load.indexes_after_rows(wh, "core.batches") as first:
        assert first is False
        assert wh.execute(indexes).fetchall() == before
        wh.execute("INSERT INTO core.batches VALUES ('a', 1)")
    assert wh.execute(indexes).fetchall() == before == [("batches_a_run_id_row_idx",), ("batches_run_row_idx",)]


def test_a_batch_that_repeats_a_unique_key_fails_the_rebuild_and_rolls_back_the_load(world_factory):
    wh = _warehouse(world_factory)
    indexes, keys = _indexes(wh), _unique_keys(wh)
    with pytest.raises(psycopg.errors.UniqueViolation), wh.transaction(), load.indexes_after_rows(wh, TABLE):
        _insert(wh, 1, 2, 2)
    assert wh.execute("SELECT count(*) FROM core.widgets").fetchone()[0] == 0
    assert _indexes(wh) == indexes and _unique_keys(wh) == keys


def test_a_failed_load_puts_the_dropped_indexes_back_with_its_rollback(world_factory):
    wh = _warehouse(world_factory)
    indexes = _indexes(wh)
    with pytest.raises(RuntimeError), wh.transaction(), load.indexes_after_rows(wh, TABLE):
        _insert(wh, 1)
        raise RuntimeError("the load fails half way")
    assert _indexes(wh) == indexes


def test_primary_key_too_when_asked_and_the_same_key_comes_back(world_factory):
    wh = _warehouse(world_factory)
    indexes, keys = _indexes(wh), _unique_keys(wh)
    with wh.transaction(), load.indexes_after_rows(wh, TABLE, primary_key=True) as first:
        assert first is True
        assert _indexes(wh) == set()
        _insert(wh, 1, 2)
    assert _indexes(wh) == indexes and _unique_keys(wh) == keys
    assert wh.execute("SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint WHERE conrelid = "
                      "'core.widgets'::regclass AND contype = 'p'").fetchall() == [("widgets_pkey",
                                                                                   "PRIMARY KEY (widget_key)")]


def test_a_plain_insert_that_repeats_the_primary_key_fails_the_rebuild(world_factory):
    wh = _warehouse(world_factory)
    with pytest.raises(psycopg.errors.UniqueViolation), wh.transaction(), \
            load.indexes_after_rows(wh, TABLE, primary_key=True):
        wh.execute("INSERT INTO core.widgets (widget_key, widget_id) OVERRIDING SYSTEM VALUE VALUES (7, 1), (7, 2)")
    assert wh.execute("SELECT count(*) FROM core.widgets").fetchone()[0] == 0
