"""The skeleton of a load: one transaction per table, in which the domain's loader quarantines
the batch's rejects, fills the transformed valid rows into a temp table, merges them into core,
releases fixed rows and advances the watermark. They commit together or not at all.

    with load.transaction(wh, table, ctx) as counts:
        counts["quarantined"] = quarantine(wh, table, ctx)
        load.fill_valid(wh, table, ctx, TMP_COLUMNS, transform)
        counts["released"] = release(wh, table)
        counts["loaded"] = load.count_rows(wh, "tmp_valid")
        counts["written"] = ...  # the merge into core
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING

import psycopg
from psycopg import sql

from include.warehouse_kit import pg_io, run_log
from include.warehouse_kit.run_context import RunContext
from include.warehouse_kit.sql_files import query, run_sql
from include.warehouse_kit.tables import SourceTable

if TYPE_CHECKING:
    import pandas as pd

log = logging.getLogger(__name__)
# The share of a core table a batch must reach before the load refreshes its planner statistics.
ANALYZE_SHARE = 0.1


@contextlib.contextmanager
def beside(wh: psycopg.Connection, jobs: list[Callable[[psycopg.Connection], object]]) -> Iterator[Callable[[], list]]:
    """Run each job on its own new connection to wh's database (pg_io.sibling), in threads,
    while the caller goes on with `wh`: on a 2-core server, a second backend for work that one
    statement cannot split. Yields a function that waits for the jobs and returns their results
    in order (raising the first job's error). Leaving the block waits for every job, and
    cancels the statements still running when the block ends in an error.

    A job sees only what is committed: what it writes is its own transaction's, which the
    caller must be able to throw away if its own transaction fails."""
    from concurrent.futures import ThreadPoolExecutor

    connections: list[psycopg.Connection] = []

    def run(job: Callable[[psycopg.Connection], object]) -> object:
        with pg_io.sibling(wh) as conn:
            connections.append(conn)
            return job(conn)

    with ThreadPoolExecutor(max_workers=len(jobs)) as pool:
        futures = [pool.submit(run, job) for job in jobs]
        try:
            yield lambda: [future.result() for future in futures]
        except BaseException:
            for conn in list(connections):
                with contextlib.suppress(psycopg.Error):
                    conn.cancel_safe()
            raise


def temp_table(wh: psycopg.Connection, name: str, columns: dict[str, str]) -> None:
    """A temp table dropped at commit; `columns` maps names to PostgreSQL types (constants of the code)."""
    wh.execute(query("kit/load/create_temp_table.sql", temp_table=sql.Identifier(name), columns=sql.SQL(", ").join(
        sql.SQL("{} {}").format(sql.Identifier(c), sql.SQL(t)) for c, t in columns.items())))


def analyze(wh: psycopg.Connection, table: str) -> None:
    wh.execute(query("kit/load/analyze.sql", table=table))


def count_rows(wh: psycopg.Connection, table: str) -> int:
    return wh.execute(query("kit/load/count_rows.sql", table=table)).fetchone()[0]


def fill_valid(wh: psycopg.Connection, table: SourceTable, ctx: RunContext, columns: dict[str, str],
               transform: Callable[[pd.DataFrame], pd.DataFrame]) -> None:
    """The batch's valid rows (after quarantine()), transformed chunk by chunk (every
    transform is row by row), in a new temp table tmp_valid with its planner statistics."""
    from include.warehouse_kit.extract import read_batches

    temp_table(wh, "tmp_valid", columns)
    for batch in read_batches(wh, table, ctx, leave_out=query("kit/load/not_in_tmp_rejects.sql")):
        pg_io.write_frame(wh, "tmp_valid", transform(batch.reset_index(drop=True))[list(columns)])
    analyze(wh, "tmp_valid")


def fill_valid_as_staged(wh: psycopg.Connection, table: SourceTable, ctx: RunContext,
                         columns: dict[str, str], values: sql.Composable | None = None,
                         params: dict | None = None) -> None:
    """`fill_valid` inside the warehouse, without a round trip through pandas: the batch's
    valid rows (after quarantine()) go into tmp_valid as they were staged, or as `values` derives them. `values` is
    the domain's select list over the staged row `s` (from its .sql file), one expression per
    column of `columns` in their order; `params` are its bind parameters."""
    temp_table(wh, "tmp_valid", columns)
    wh.execute(query("kit/load/fill_valid_from_staging.sql",
                     columns=sql.SQL(", ").join(map(sql.Identifier, columns)),
                     values=values or sql.SQL(", ").join(sql.Identifier("s", c) for c in columns),
                     staging=table.staging, valid=query("kit/load/not_in_tmp_rejects.sql")),
               ctx.keys() | {"source_table": table.qualified_name} | (params or {}))
    analyze(wh, "tmp_valid")


def refresh_statistics(wh: psycopg.Connection, table: SourceTable, rows: int) -> None:
    """ANALYZE the core tables a large batch (a full load) just filled. Autovacuum has not
    looked yet when the next load plans its joins on "empty" tables: the first night after
    the initial load took 33 s instead of 0.2 s to re-key orders."""
    for name in table.feeds:
        known = wh.execute(query("kit/load/select_reltuples.sql"), {"table": name}).fetchone()[0]
        if known < 0 or rows > ANALYZE_SHARE * known:
            analyze(wh, name)


@contextlib.contextmanager
def indexes_after_rows(wh: psycopg.Connection, table: str, *, primary_key: bool = False) -> Iterator[bool]:
    """A load into `table` while it is empty (a first night): its indexes besides the primary
    key, unique constraints included, are dropped for the inserts and built again as the block
    ends, one sorted build each instead of a million single inserts. Both happen in the load's
    transaction. Yields True then; a table that holds rows, or a partitioned one, keeps its
    indexes and yields False.
    A merge whose ON CONFLICT arbiter is the primary key runs unchanged; one that merges on
    another unique key has no arbiter until the block ends, so the loader inserts plainly into
    the empty table, and a key its batch repeats fails the rebuild, not silently.
    `primary_key=True` drops and rebuilds the primary key too, for a loader that inserts plainly
    whenever the block yields True (no ON CONFLICT then: no index would arbitrate)."""
    if not wh.execute(query("kit/load/select_is_empty.sql", table=table), {"table": table}).fetchone()[0]:
        yield False
        return
    rows = wh.execute(query("kit/load/indexes_to_rebuild.sql"), {"table": table, "primary_key": primary_key}).fetchall()
    for schema, index, constraint, _, _ in rows:
        if constraint:
            wh.execute(query("kit/load/drop_constraint.sql", table=table, constraint=sql.Identifier(constraint)))
        else:
            wh.execute(query("kit/load/drop_index.sql", index=sql.Identifier(schema, index)))
    yield True
    for _, _, constraint, constraint_def, index_def in rows:
        if constraint:
            wh.execute(query("kit/load/add_constraint.sql", table=table, constraint=sql.Identifier(constraint),
                             definition=sql.SQL(constraint_def)))
        else:
            wh.execute(sql.SQL(index_def))  # the catalog's own CREATE INDEX statement


@contextlib.contextmanager
def transaction(wh: psycopg.Connection, table: SourceTable, ctx: RunContext) -> Iterator[dict]:
    """A table's load: serialise concurrent runs (two runs of a night, a backfill beside the
    nightly run) per table with a lock that lives until the transaction ends, and price index
    reads for a warehouse whose pages are cached. At PostgreSQL's default random_page_cost (4,
    meant for spinning disks) a 1 % night's re-keying hashed all of fact_orders instead of
    probing its keys. The loader fills the yielded counts ("loaded" included); on the way out
    the statistics are refreshed, the watermark advances and the counts are logged."""
    with wh.transaction():
        run_sql(wh, "kit/load/begin_load.sql", {"lock": f"{table.qualified_name}.load"})
        counts: dict = {}
        yield counts
        refresh_statistics(wh, table, counts["loaded"])
        wh.execute(query("kit/load/advance_watermark.sql"),
                   ctx.keys() | {"source_table": table.name, "interval_end": ctx.interval_end})
        run_log.record_counts(wh, ctx, table.name, counts)
    log.info("loaded %s: %s", table.name, counts)
