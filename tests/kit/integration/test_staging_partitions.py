"""A staging table partitioned by run_id: each run's batch is a partition of its own, and a
successful finish drops the finished runs' partitions, keeping its own and the running runs'."""

from __future__ import annotations

import datetime as dt

import psycopg
from psycopg import sql

from include.warehouse_kit import bootstrap as kit_bootstrap
from include.warehouse_kit import pg_io, run_log, staging
from include.warehouse_kit.run_context import RunContext
from include.warehouse_kit.sql_files import query
from tests.kit.integration.test_audit_keys import scheduled

DAG = "partitioned_dag"
TABLE = "staging.widget_lines"


def _warehouse(world_factory) -> psycopg.Connection:
    _, uri = world_factory.database("t_parts")
    wh = pg_io.connect(uri)
    for name in kit_bootstrap.KIT_DDL:
        wh.execute(query(name))
    wh.execute("CREATE UNLOGGED TABLE staging.widget_lines (run_id text NOT NULL, n integer) PARTITION BY LIST (run_id)")
    wh.execute("CREATE TABLE staging.widget_rows (run_id text NOT NULL, n integer)")  # not partitioned
    return wh


def _table(name: str) -> sql.Identifier:
    return sql.Identifier(*name.split("."))


def _stage(wh: psycopg.Connection, ctx: RunContext, *numbers: int) -> str:
    partition = staging.empty_run_partition(wh, TABLE, ctx.run_id)
    for n in numbers:
        wh.execute(sql.SQL("INSERT INTO {} VALUES (%s, %s)").format(_table(partition)), (ctx.run_id, n))
        wh.execute("INSERT INTO staging.widget_rows VALUES (%s, %s)", (ctx.run_id, n))
    return partition


def _partitions(wh: psycopg.Connection) -> set[str]:
    return {name for _, name in wh.execute(query("kit/audit/select_run_partitions.sql"), {"table": TABLE})}


def test_a_runs_lines_land_in_its_own_partition_and_a_retry_starts_it_empty(world_factory):
    wh = _warehouse(world_factory)
    ctx = scheduled(dt.date(2026, 10, 1), DAG)
    first = _stage(wh, ctx, 1, 2)
    assert wh.execute(sql.SQL("SELECT run_id, n FROM {} ORDER BY n").format(_table(first))).fetchall() == [
        (ctx.run_id, 1), (ctx.run_id, 2)]
    again = _stage(wh, ctx, 3)   # a retry of the run
    assert first == again == ".".join(staging.run_partition(TABLE, ctx.run_id))
    assert wh.execute(sql.SQL("SELECT run_id, n FROM {} ORDER BY n").format(_table(first))).fetchall() == [
        (ctx.run_id, 3)]
    # an odd run id (a manual run's, with quotes and colons) is a literal, not SQL
    odd = RunContext(run_id="manual__2026-10-01T02:00:00+00:00 'x'", dag_id=DAG,
                     interval_start=ctx.interval_start, interval_end=ctx.interval_end)
    _stage(wh, odd, 3)
    assert wh.execute("SELECT count(*) FROM staging.widget_lines WHERE run_id = %s", (odd.run_id,)).fetchone()[0] == 1
    assert len(_partitions(wh)) == 2


def test_finish_drops_finished_runs_partitions_and_keeps_its_own_and_running_ones(world_factory):
    wh = _warehouse(world_factory)
    finished, running, this = (scheduled(dt.date(2026, 10, d), DAG) for d in (1, 2, 3))
    other_dag = scheduled(dt.date(2026, 10, 2), "another_dag")
    for ctx, numbers in ((finished, (1, 2, 3)), (running, (4,)), (this, (5, 6))):
        with wh.transaction():
            run_log.start_run(wh, ctx)
        _stage(wh, ctx, *numbers)
    with wh.transaction():
        run_log.finish_run(wh, finished, "success", None)
        run_log.finish_run(wh, this, "success", None)
        run_log.start_run(wh, other_dag)  # running, but another pipeline's: it keeps nothing here

    staging.drop_finished_batches(wh, this, (TABLE, "staging.widget_rows"))

    kept = {staging.run_partition(TABLE, c.run_id)[1] for c in (running, this)}
    assert _partitions(wh) == kept
    assert wh.execute("SELECT n FROM staging.widget_lines ORDER BY n").fetchall() == [(4,), (5,), (6,)]
    # an unpartitioned table beside it loses the same batch, row by row
    assert wh.execute("SELECT n FROM staging.widget_rows ORDER BY n").fetchall() == [(4,), (5,), (6,)]
