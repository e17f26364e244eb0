"""Staging cleanup when a run finishes: staging keeps this run's batch for inspection, and the
batches of the pipeline's runs still going (a backfill may run beside the nightly run);
everything else the pipeline staged is dropped.

A staging table may be partitioned by run_id, one partition per run's batch (`run_partition`):
a run's statements then read its batch alone, not the batches kept beside it, and finish drops
a finished batch as a whole partition instead of deleting its rows."""

from __future__ import annotations

import hashlib

import psycopg
from psycopg import sql

from include.warehouse_kit.run_context import RunContext
from include.warehouse_kit.sql_files import query

SHARED = "staging.rejects"  # the one staging table every pipeline writes (it has a dag_id)


def run_partition(table: str, run_id: str) -> tuple[str, str]:
    """The partition of `table` (schema.name, partitioned by run_id) that holds a run's batch,
    as (schema, name): the table's name and a digest of the run id (run ids hold characters
    that names should not)."""
    schema, name = table.split(".")
    return schema, f"{name}_r{hashlib.md5(run_id.encode()).hexdigest()[:16]}"


def _layout(wh: psycopg.Connection, table: str) -> tuple[bool, bool]:
    """(partitioned by run_id, unlogged) of a staging table."""
    return tuple(wh.execute(query("kit/audit/select_staging_layout.sql"), {"table": table}).fetchone())


def empty_run_partition(wh: psycopg.Connection, table: str, run_id: str) -> str:
    """The run's partition of `table`, created if missing and emptied (a retry stages its batch
    again from scratch: TRUNCATE, not a DELETE of every row); returns its schema.name."""
    partition = run_partition(table, run_id)
    unlogged = _layout(wh, table)[1]
    wh.execute(query("kit/audit/create_run_partition.sql", partition=sql.Identifier(*partition), table=table,
                     run_id=sql.Literal(run_id), persistence=sql.SQL("UNLOGGED" if unlogged else "")))
    wh.execute(query("kit/audit/truncate_staging.sql", table=sql.Identifier(*partition)))
    return ".".join(partition)


def empty_batch(wh: psycopg.Connection, table: str, run_id: str) -> str:
    """Make room for a run's batch in `table`, emptied of what an earlier try staged: its own
    partition if the table is partitioned by run_id, else the table with the run's rows deleted.
    Returns where the batch goes (schema.name)."""
    if _layout(wh, table)[0]:
        return empty_run_partition(wh, table, run_id)
    wh.execute(query("kit/extract/delete_staged.sql", staging=table), {"run_id": run_id})
    return table


def drop_finished_batches(wh: psycopg.Connection, ctx: RunContext, staging_tables: tuple[str, ...]) -> None:
    """`staging_tables`: the pipeline's own staging tables (each with a run_id column)."""
    for table in staging_tables:
        if _layout(wh, table)[0]:
            _drop_finished_partitions(wh, ctx, table)
        else:
            _drop_finished(wh, ctx, table, foreign=sql.SQL("false"))
    _drop_finished(wh, ctx, SHARED, foreign=query("kit/audit/other_pipelines_rows.sql"))


def _drop_finished_partitions(wh: psycopg.Connection, ctx: RunContext, table: str) -> None:
    """Every partition but the kept runs' goes, each in a transaction of its own (a DROP holds
    the parent's lock only while it runs)."""
    kept = {run_partition(table, run_id) for (run_id,) in
            wh.execute(query("kit/audit/select_kept_runs.sql"), ctx.keys()).fetchall()}
    for schema, name in wh.execute(query("kit/audit/select_run_partitions.sql"), {"table": table}).fetchall():
        if (schema, name) not in kept:
            with wh.transaction():
                wh.execute(query("kit/audit/drop_run_partition.sql", partition=sql.Identifier(schema, name)))


def _drop_finished(wh: psycopg.Connection, ctx: RunContext, table: str, foreign: sql.Composable) -> None:
    """One staging table, in a transaction of its own. When more rows go than stay (the night
    after a full load drops 1.7M staged rows and keeps 16k), the kept rows are copied aside
    and the table truncated: 0.3 s instead of 1.4 s. The count only picks the way; the kept
    rows are chosen under TRUNCATE's lock, so no batch landing meanwhile is lost. The usual
    way takes only DELETE's lock, which an autovacuum of staging does not hold up."""
    params = ctx.keys()
    kept_rule = query("kit/audit/select_kept_staging.sql", foreign=foreign,
                      kept_runs=query("kit/audit/select_kept_runs.sql"))
    kept, total = wh.execute(query("kit/audit/count_kept_staging.sql", table=table, kept=kept_rule), params).fetchone()
    with wh.transaction():
        if total - kept <= kept:
            wh.execute(query("kit/audit/delete_finished_staging.sql", table=table, kept=kept_rule), params)
            return
        wh.execute(query("kit/audit/lock_staging.sql", table=table))
        wh.execute(query("kit/audit/copy_kept_staging.sql", table=table, kept=kept_rule), params)
        wh.execute(query("kit/audit/truncate_staging.sql", table=table))
        wh.execute(query("kit/audit/restore_kept_staging.sql", table=table))
