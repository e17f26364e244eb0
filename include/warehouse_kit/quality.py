"""Data-quality results: the one writer of audit.data_quality_log.

A check is logged once per run: recording it again (a retry, a rerun of the task) replaces the
run's earlier row of the same check.
"""

from __future__ import annotations

from typing import NamedTuple

import psycopg

from include.warehouse_kit.run_context import RunContext
from include.warehouse_kit.sql_files import query

STATUSES = ("pass", "warn", "fail", "insufficient_history")  # the last: no verdict yet (anomaly.py)


class Check(NamedTuple):
    check: str
    status: str  # one of STATUSES
    observed: str
    expected: str


def record(wh: psycopg.Connection, ctx: RunContext, checks: list[Check]) -> None:
    """Replace this run's rows of these checks with `checks`, in the caller's transaction."""
    if not checks:
        return
    for check in checks:
        if check.status not in STATUSES:
            raise ValueError(f"{check.check}: status {check.status!r} is not one of {STATUSES}")
    keys = ctx.keys()
    wh.execute(query("kit/quality/delete_checks.sql"), keys | {"checks": [c.check for c in checks]})
    with wh.cursor() as cur:
        cur.executemany(query("kit/quality/insert_check.sql"), [keys | c._asdict() for c in checks])


def logged(wh: psycopg.Connection, ctx: RunContext, prefix: str) -> list[Check]:
    """This run's logged checks whose name starts with `prefix`, in the order they were logged."""
    rows = wh.execute(query("kit/quality/select_checks.sql"), ctx.keys() | {"prefix": prefix}).fetchall()
    return [Check(*row) for row in rows]
