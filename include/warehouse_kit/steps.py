"""Step functions a pipeline's declaration can name as they are (see pipeline.py): the per-table
validate and load, a step imported only when it runs, and the finish of a run."""

from __future__ import annotations

from collections.abc import Callable

import psycopg

from include.warehouse_kit import run_log, staging
from include.warehouse_kit.run_context import RunContext
from include.warehouse_kit.tables import SourceTable, resolve


def validate(wh: psycopg.Connection, ctx: RunContext, table: SourceTable) -> None:
    """The table's pandera rules on its staged batch; its gates fail the run before anything loads."""
    from include.warehouse_kit import validation

    validation.validate(wh, table, ctx)


def load(wh: psycopg.Connection, ctx: RunContext, table: SourceTable) -> None:
    """The table's loader, one transaction."""
    resolve(table.loader)(wh, ctx)


def deferred(target: str) -> Callable[[psycopg.Connection, RunContext], None]:
    """A step `fn(wh, ctx)` named "module:function", imported when it runs: each Airflow task
    is a new process, and most of them need neither pandas nor the domain's heavier modules."""

    def step(wh: psycopg.Connection, ctx: RunContext) -> None:
        resolve(target)(wh, ctx)

    step.__name__ = step.__qualname__ = target.rpartition(":")[2]
    return step


def finish(wh: psycopg.Connection, ctx: RunContext, staging_tables: tuple[str, ...], *, status: str,
           error: str | None = None) -> None:
    """Close the run's log row; a successful run drops the staged batches no run needs any more."""
    with wh.transaction():
        run_log.finish_run(wh, ctx, status, error)
    if status == "success":
        staging.drop_finished_batches(wh, ctx, staging_tables)
