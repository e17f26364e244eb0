"""Reconciliation with the source, every night: the conservation guarantee the tests prove, checked
on the real source after the marts are published and before the run can succeed.

A source table (its `Reconcile` declaration) as of the interval end:
- the source side is every row the extract takes by then: updated_at below the interval end, or
  none. Its number, the sum of its keys and the sum of its updated_at are read in one snapshot;
- the warehouse side is one row per natural key: core's row, unless the key is open in
  quarantine (then the quarantined version). A row newer than the interval end in core (a
  backfill) is left out, and so is every key the source changed at or after the interval end
  (the warehouse holds an older version on a night, a newer one in a backfill);
- both sides must agree on all three: a missing row, an extra one or a version core did not
  load each changes one of them. With a declared amount, the source's amounts of the rows not
  open in quarantine must also add up to core's (for order lines: line_amount).
A file source: the manifest's lines equal the facts, plus the identical duplicates, plus the
lines open in quarantine.

Only when a table disagrees are its keys compared one by one, for the failure's sample of ten.
Each verdict is logged as `<table>.reconciliation` (and `<table>.amount_reconciliation`); any
disagreement raises ReconciliationError, which names the table, the expected and observed
counts and the sample.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from decimal import Decimal

import psycopg
from psycopg import sql

from include.warehouse_kit import pg_io, quality
from include.warehouse_kit.errors import ReconciliationError
from include.warehouse_kit.run_context import RunContext
from include.warehouse_kit.sql_files import query, run_sql
from include.warehouse_kit.tables import FileSource, SourceTable

SAMPLE = 10


@dataclass(frozen=True)
class Result:
    source: str                    # schema.table
    check: str                     # its check in audit.data_quality_log
    expected: int | Decimal        # what the source says
    observed: int | Decimal        # what the warehouse holds
    agrees: bool
    unit: str = "rows"
    differences: dict[str, tuple[int, list]] = field(default_factory=dict)  # kind -> (count, sample)

    def describe(self) -> str:
        text = f"{self.source}: expected {self.expected:,} {self.unit}, observed {self.observed:,}"
        for kind, (count, sample) in self.differences.items():
            text += f"; {count:,} {kind.replace('_', ' ')}, e.g. {', '.join(map(str, sample))}"
        return text


@contextlib.contextmanager
def snapshot(src: psycopg.Connection) -> Iterator[None]:
    """One read-only, repeatable-read transaction on the source: every read sees one moment."""
    saved = src.isolation_level, src.read_only
    src.isolation_level, src.read_only = psycopg.IsolationLevel.REPEATABLE_READ, True
    try:
        with src.transaction():
            yield
    finally:
        src.isolation_level, src.read_only = saved


def reconcile_table(src: psycopg.Connection, wh: psycopg.Connection, ctx: RunContext,
                    table: SourceTable) -> list[Result]:
    """The table's row check, and its amount check when it declares an amount (one transaction
    on each side; the warehouse's holds the temp tables)."""
    rec = table.reconcile
    names = {"source_table": sql.Identifier(table.schema, table.name), "key": sql.Identifier(table.primary_key)}
    amount = query(rec.source_amount) if rec.source_amount else sql.SQL("NULL::numeric")
    end = {"interval_end": ctx.interval_end}
    held_keys = ctx.keys() | end | {"source_table": table.qualified_name}
    with wh.transaction(), snapshot(src), ThreadPoolExecutor(max_workers=1) as source_side:
        run_sql(wh, "kit/reconcile/create_tmp_tables.sql")
        pg_io.stream_copy(src, query("kit/reconcile/select_late_keys.sql", **names), end, wh,
                          "tmp_reconcile_late", ("key",))
        # The two servers add up their sides at once: the source's totals on the source's
        # connection (its snapshot's second read) while this thread reads the warehouse's.
        source_totals = source_side.submit(
            lambda: src.execute(query("kit/reconcile/source_totals.sql", amount=amount, **names), end).fetchone())
        held_rows = query("kit/reconcile/held_rows.sql", core_rows=query(rec.core_rows))
        held = wh.execute(query("kit/reconcile/held_totals.sql", held=held_rows), held_keys).fetchone()
        source = source_totals.result()
        rows_agree = tuple(source[:3]) == tuple(held[:3])
        differences = {} if rows_agree else _differences(src, wh, names, end, held_rows, held_keys)
        results = [Result(table.qualified_name, f"{table.name}.reconciliation", source[0], held[0],
                          rows_agree, differences=differences)]
        if rec.source_amount:
            quarantined = [r[0] for r in wh.execute(query("kit/reconcile/select_open_quarantine_keys.sql"),
                                                    held_keys)]
            in_quarantine = src.execute(query("kit/reconcile/source_amount_of_keys.sql", amount=amount, **names),
                                        end | {"keys": quarantined}).fetchone()[0] if quarantined else None
            expected = (source[3] or Decimal(0)) - (in_quarantine or Decimal(0))
            observed = held[3] or Decimal(0)
            results.append(Result(table.qualified_name, f"{table.name}.amount_reconciliation", expected, observed,
                                  expected == observed, unit="in amounts of rows not in quarantine"))
    return results


def _differences(src: psycopg.Connection, wh: psycopg.Connection, names: dict, end: dict,
                 held_rows: sql.Composable, held_keys: dict) -> dict:
    run_sql(wh, "kit/reconcile/create_tmp_held.sql", held_keys, held=held_rows)
    pg_io.stream_copy(src, query("kit/reconcile/select_source_versions.sql", **names), end, wh,
                      "tmp_reconcile_source", ("key", "updated_at"))
    rows = wh.execute(query("kit/reconcile/select_differences.sql"), {"sample": SAMPLE}).fetchall()
    order = ("missing", "extra", "out_of_date")
    return {kind: (n, sample) for kind, n, sample in sorted(rows, key=lambda r: order.index(r[0]))}


def reconcile_files(wh: psycopg.Connection, ctx: RunContext, source: FileSource) -> Result:
    """The manifest's lines against the facts, the duplicates and the open quarantine."""
    keys = ctx.keys() | {"source": source.qualified_name}
    fact = {"fact_table": source.fact_table}
    lines, facts, duplicates, quarantined = wh.execute(query("kit/reconcile/file_totals.sql", **fact), keys).fetchone()
    placed = facts + duplicates + quarantined
    differences = {}
    if lines != placed:
        files = wh.execute(query("kit/reconcile/select_file_differences.sql", path_column=source.fact_path_column,
                                 **fact), keys | {"sample": SAMPLE}).fetchall()
        differences["files that do not add up"] = (len(files), [f"{p} ({n} lines, {m} placed)" for p, n, m in files])
    return Result(source.qualified_name, f"{source.name}.reconciliation", int(lines), int(placed), lines == placed,
                  unit=f"lines (facts {facts:,} + duplicates {duplicates:,} + quarantined {quarantined:,})",
                  differences=differences)


def check(src: psycopg.Connection, wh: psycopg.Connection, ctx: RunContext, tables: Sequence[SourceTable],
          files: Sequence[FileSource] = ()) -> list[Result]:
    """Reconcile every declared table and file source, log each verdict, and fail the run on any
    disagreement, naming all of them."""
    results = [r for t in tables if t.reconcile is not None for r in reconcile_table(src, wh, ctx, t)]
    results += [reconcile_files(wh, ctx, f) for f in files if f.fact_table]
    with wh.transaction():
        quality.record(wh, ctx, [quality.Check(r.check, "pass" if r.agrees else "fail", f"{r.observed:,}",
                                               f"{r.expected:,} {r.unit}") for r in results])
    failed = [r for r in results if not r.agrees]
    if failed:
        sources = sorted({r.source for r in failed})
        raise ReconciliationError(
            f"the warehouse does not reconcile with the source as of {ctx.interval_end.isoformat()}:\n"
            + "\n".join(r.describe() for r in failed),
            f"{', '.join(sources)} {'does' if len(sources) == 1 else 'do'} not reconcile")
    return results
