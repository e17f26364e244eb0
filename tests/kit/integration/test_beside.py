"""load.beside runs jobs on connections of their own while the caller goes on with its own:
the same database, at the same time, results in order, a job's error raised to the caller, and
a job still running cancelled when the caller's block fails."""

from __future__ import annotations

import time

import psycopg
import pytest

from include.warehouse_kit import load, pg_io


def _warehouse(world_factory) -> psycopg.Connection:
    _, uri = world_factory.database("t_beside")
    return pg_io.connect(uri)


def test_a_sibling_is_the_same_database_set_up_as_connect_sets_one_up(world_factory):
    wh = _warehouse(world_factory)
    with pg_io.sibling(wh) as other:
        assert other.execute("SELECT current_database(), current_user, current_setting('TimeZone')").fetchone() == (
            *wh.execute("SELECT current_database(), current_user").fetchone(), "UTC")
        assert other.execute("SELECT pg_backend_pid()").fetchone() != wh.execute("SELECT pg_backend_pid()").fetchone()


def test_jobs_run_while_the_caller_holds_what_they_wait_for_and_return_in_order(world_factory):
    wh = _warehouse(world_factory)
    wh.execute("CREATE TABLE gate (id int)")

    def job(n: int):
        def run(conn: psycopg.Connection) -> int:
            conn.execute("SELECT pg_advisory_lock(42)")  # free only once the caller lets go
            conn.execute("SELECT pg_advisory_unlock(42)")
            return n * 10
        return run

    wh.execute("SELECT pg_advisory_lock(42)")
    with load.beside(wh, [job(1), job(2), job(3)]) as results:
        time.sleep(0.2)
        waiting = wh.execute("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted").fetchone()[0]
        wh.execute("SELECT pg_advisory_unlock(42)")
        assert results() == [10, 20, 30]
    assert waiting == 3


def test_a_jobs_error_reaches_the_caller(world_factory):
    wh = _warehouse(world_factory)

    def broken(conn: psycopg.Connection) -> None:
        conn.execute("SELECT 1 / 0")

    with pytest.raises(psycopg.errors.DivisionByZero), load.beside(wh, [broken]) as results:
        results()


def test_a_failing_block_cancels_the_jobs_still_running(world_factory):
    wh = _warehouse(world_factory)
    started = time.monotonic()
    with pytest.raises(RuntimeError, match="the caller fails"), load.beside(
            wh, [lambda conn: conn.execute("SELECT pg_sleep(60)")]):
        time.sleep(0.5)  # the job's statement is running
        raise RuntimeError("the caller fails")
    assert time.monotonic() - started < 10
