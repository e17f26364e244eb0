"""Watermark extract: the source rows a night changed, streamed into staging with COPY, after a
schema-drift check and a freshness check of the source and followed by a volume check; and the batch reader that
validate and load use to read a run's staged rows chunk by chunk."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from typing import TYPE_CHECKING

import psycopg
from psycopg import sql

from include.warehouse_kit import freshness, pg_io, quality, run_log
from include.warehouse_kit import load as kit_load
from include.warehouse_kit import staging as kit_staging
from include.warehouse_kit.errors import SchemaDriftError
from include.warehouse_kit.run_context import RunContext
from include.warehouse_kit.sql_files import query
from include.warehouse_kit.tables import SourceTable

if TYPE_CHECKING:
    import pandas as pd

log = logging.getLogger(__name__)

# information_schema.columns.data_type accepted for each contract type
SOURCE_TYPES = {
    "bigint": {"bigint"}, "integer": {"integer"}, "numeric": {"numeric"}, "boolean": {"boolean"},
    "timestamptz": {"timestamp with time zone"}, "text": {"text", "character varying", "character"},
    "date": {"date"},
}
# Volume warnings: nothing where the trailing runs averaged at least BUSY_TABLE rows, or more
# than SPIKE_FACTOR times that average.
BUSY_TABLE = 10
SPIKE_FACTOR = 10
CHUNK_ROWS = 100_000  # staged rows per frame: a task's memory stays flat however large the batch


def check_source_schema(src: psycopg.Connection, wh: psycopg.Connection, table: SourceTable,
                        ctx: RunContext) -> list[str]:
    """Compare the source table with the contract before anything is extracted.

    A missing or retyped contract column fails the run and names the column; a new column is
    logged as a warning (audit.data_quality_log) and ignored: we read only contract columns.
    """
    actual = dict(src.execute(query("kit/extract/select_source_columns.sql"),
                              {"schema": table.schema, "table": table.name}).fetchall())
    name = table.qualified_name
    if not actual:
        raise SchemaDriftError(f"source table {name} does not exist or is not readable")
    problems = [f"{name}.{column} is missing" for column in table.columns if column not in actual]
    problems += [f"{name}.{column} is {actual[column]}, the contract says {kind}"
                 for column, kind in table.types.items()
                 if column in actual and actual[column] not in SOURCE_TYPES[kind]]
    if problems:
        raise SchemaDriftError("source schema drift: " + "; ".join(problems))
    extra = sorted(set(actual) - set(table.columns))
    with wh.transaction():
        quality.record(wh, ctx, [quality.Check(
            f"{table.name}.source_schema", "warn" if extra else "pass",
            "new columns: " + ", ".join(extra) if extra else "contract columns only", "contract columns")])
    if extra:
        log.warning("%s has columns outside the contract, ignored: %s", name, ", ".join(extra))
    return extra


def extract(src: psycopg.Connection, wh: psycopg.Connection, ctx: RunContext, table: SourceTable) -> int:
    """Stream changed source rows into staging.<table>, tagged with the run id.

    The window is [W - lookback, interval_end), W = min(interval start, the table's watermark);
    everything before interval_end on a first run or a full refresh."""
    check_source_schema(src, wh, table, ctx)
    freshness.check_table(src, wh, ctx, table)  # a stale source fails here, before it is staged
    row = wh.execute(query("kit/extract/select_watermark.sql"),
                     {"pipeline": ctx.dag_id, "source_table": table.name}).fetchone()
    lower = None if ctx.full_refresh or row is None else min(ctx.interval_start, row[0]) - ctx.lookback
    select = query("kit/extract/select_changed_rows.sql", columns=sql.SQL(", ").join(map(sql.Identifier, table.columns)),
                   source_table=sql.Identifier(table.schema, table.name))
    params = {"run_id": ctx.run_id, "interval_end": ctx.interval_end, "lower_bound": lower}
    staging = {"staging": table.staging}
    with wh.transaction():
        kit_staging.empty_batch(wh, table.staging, ctx.run_id)
        # into an empty staging table (a first night), its index is built once after the rows
        with kit_load.indexes_after_rows(wh, table.staging):
            rows = pg_io.stream_copy(src, select, params, wh, table.staging, ("run_id", *table.columns))
        # rows changed inside the interval (the lookback re-reads some of the previous night)
        changed = wh.execute(query("kit/extract/count_changed.sql", **staging),
                             {"run_id": ctx.run_id, "interval_start": ctx.interval_start}).fetchone()[0]
        run_log.record_counts(wh, ctx, table.name, {"extracted": rows, "changed": changed})
        check_volume(wh, ctx, table, changed)
    log.info("extracted %s rows from %s (updated_at in [%s, %s))", rows, table.qualified_name,
             lower or "-inf", ctx.interval_end)
    return rows


def check_volume(wh: psycopg.Connection, ctx: RunContext, table: SourceTable, rows: int) -> None:
    """Log `<table>.volume` (pass / warn): rows changed in the interval against the trailing 7
    successful runs. An empty or a huge night still loads; the warning reaches the morning
    Slack message."""
    trailing = wh.execute(query("kit/audit/select_trailing_extract_volume.sql"),
                          ctx.keys() | {"table": table.name}).fetchone()[0]
    if trailing is None or ctx.full_refresh:
        status, expected = "pass", "no history" if trailing is None else "full refresh"
    else:
        average = float(trailing)
        low = rows == 0 and average >= BUSY_TABLE
        high = rows > SPIKE_FACTOR * max(average, BUSY_TABLE)
        status, expected = ("warn" if low or high else "pass"), f"{average:.0f} rows (trailing 7 runs)"
    quality.record(wh, ctx, [quality.Check(f"{table.name}.volume", status, f"{rows} rows", expected)])
    if status == "warn":
        log.warning("%s: %s rows changed in the interval, expected about %s", table.qualified_name, rows, expected)


def read_batches(wh: psycopg.Connection, table: SourceTable, ctx: RunContext, *,
                 leave_out: sql.Composable | None = None, chunk_rows: int | None = None) -> Iterator[pd.DataFrame]:
    """The run's staged rows of `table`, chunk by chunk in staging_row order (keyset paging on
    the (run_id, staging_row) index), each chunk indexed by staging_row. `leave_out` is the
    caller's further condition on the staged row `s` (`AND ...`; a load's leaves out the rejects)."""
    select = query("kit/extract/select_staged_batch.sql",
                   columns=sql.SQL(", ").join(sql.Identifier("s", c) for c in table.columns),
                   staging=table.staging,
                   valid=leave_out or sql.SQL(""))
    params = ctx.keys() | {"source_table": table.qualified_name}
    for frame in pg_io.read_frames(wh, select, params, {"staging_row": "bigint", **table.types},
                                   key="staging_row", chunk_rows=chunk_rows or CHUNK_ROWS):
        yield frame.set_index(frame["staging_row"].astype("int64")).drop(columns="staging_row")
