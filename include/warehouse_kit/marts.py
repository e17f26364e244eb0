"""Publishing a domain's marts: built, checked and made visible in one transaction.

- `params(ctx)`: the bind parameters every mart build and check takes (as_of_date, business_tz).
- `publish(wh, ctx, lock=, unlock=, begin=, build=, checks=, error=)`: the build under the
  domain's lock, its counts and checks recorded, rolled back when a check fails.
- `raise_failed(results, error)`: raises `error` naming every failed check, if any.
"""

from __future__ import annotations

from collections.abc import Callable

import psycopg

from include.warehouse_kit import quality, run_log
from include.warehouse_kit.errors import CheckError
from include.warehouse_kit.run_context import RunContext
from include.warehouse_kit.settings import settings
from include.warehouse_kit.sql_files import query, run_sql


def params(ctx: RunContext) -> dict:
    return {"as_of_date": ctx.business_date, "business_tz": settings().business_tz.key}


def raise_failed(results: list[quality.Check], error: type[CheckError]) -> None:
    """Raise `error` with "check: observed ..., expected ..." of each failed check, if any."""
    failed = [c for c in results if c.status == "fail"]
    if failed:
        raise error("; ".join(f"{c.check}: observed {c.observed}, expected {c.expected}" for c in failed))


def publish(wh: psycopg.Connection, ctx: RunContext, *, lock: str, unlock: str, begin: str,
            build: Callable[[], dict], checks: Callable[[dict], list[quality.Check]],
            error: type[CheckError]) -> dict:
    """Build the marts and publish them with their checks in one transaction; returns the counts.

    `lock` and `unlock` are SQL files taking and releasing a session lock (one build at a
    time); `begin` opens the transaction (its isolation level, so that the build and its checks
    read one snapshot). `build()` returns the counts, recorded in the run log under "marts";
    `checks(counts)` returns the checks. Readers see the previous marts until commit. A failed
    check rolls the build back, its results are recorded on their own, and `error` is raised.
    """
    wh.execute(query(lock))
    try:
        results: list[quality.Check] = []
        with wh.transaction() as tx:
            run_sql(wh, begin)
            counts = build()
            run_log.record_counts(wh, ctx, "marts", counts)
            results = checks(counts)
            if any(r.status == "fail" for r in results):
                raise psycopg.Rollback(tx)
            quality.record(wh, ctx, results)
    finally:
        wh.execute(query(unlock))
    if any(r.status == "fail" for r in results):
        with wh.transaction():
            quality.record(wh, ctx, results)
        raise_failed(results, error)
    return counts
