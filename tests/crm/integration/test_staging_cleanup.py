"""finish drops the staged batches of finished runs, and keeps this run's and those of runs still
going, whether it deletes them (fewer go than stay) or truncates around them (more go)."""

from __future__ import annotations

import datetime as dt

import pytest

from include.crm import pipeline
from include.crm.contracts import BY_NAME
from include.warehouse_kit import pg_io
from include.warehouse_kit.run_context import RunContext


def _ctx(run_id: str, day: dt.date) -> RunContext:
    start = dt.datetime.combine(day, dt.time(0), dt.UTC)
    return RunContext(run_id=run_id, dag_id="crm_nightly", interval_start=start,
                      interval_end=start + dt.timedelta(days=1))


def _stage(wh, run_id: str, rows: int) -> None:
    for name in BY_NAME:
        wh.execute(f"INSERT INTO staging.{name} (run_id) SELECT %s FROM generate_series(1, %s)", (run_id, rows))
    wh.execute("INSERT INTO staging.rejects (dag_id, run_id, source_table, staging_row, reasons) "
               "SELECT 'crm_nightly', %s, 'crm.orders', g, ARRAY['x'] FROM generate_series(1, %s) g", (run_id, rows))


def _staged(wh) -> dict[str, dict[str, tuple[int, int, int]]]:
    """Per table: run_id -> (rows, min staging_row, max staging_row)."""
    out = {}
    for name in (*BY_NAME, "rejects"):
        rows = wh.execute(f"SELECT run_id, count(*), min(staging_row), max(staging_row) FROM staging.{name} "
                          "GROUP BY run_id").fetchall()
        out[name] = {r[0]: tuple(r[1:]) for r in rows}
    return out


@pytest.mark.parametrize("old_rows, this_rows", [(5, 40), (400, 3)], ids=["delete", "truncate"])
def test_finish_keeps_this_and_running_batches_and_drops_finished_ones(world_factory, old_rows, this_rows):
    conninfo, _ = world_factory.database("t_wh")
    day = dt.date(2026, 10, 5)
    old, beside, this = (_ctx(f"run_{n}", day - dt.timedelta(days=i)) for i, n in enumerate(("old", "beside", "this")))
    with pg_io.connect(conninfo) as wh:
        for ctx in (old, beside, this):
            pipeline.bootstrap(wh, ctx)  # opens each run's log row as 'running'
        with wh.transaction():
            _stage(wh, old.run_id, old_rows)
            _stage(wh, beside.run_id, 7)
            _stage(wh, this.run_id, this_rows)
        pipeline.finish(wh, old, status="success")
        before = _staged(wh)
        assert all(old.run_id in tables for tables in before.values())  # finishing dropped nothing but others'

        pipeline.finish(wh, this, status="success")
        after = _staged(wh)

    for name, runs in after.items():
        assert set(runs) == {beside.run_id, this.run_id}, name
        # Kept rows are the same rows: counts and their staging_row identities unchanged.
        assert runs[this.run_id] == before[name][this.run_id], name
        assert runs[beside.run_id] == before[name][beside.run_id], name
