"""The validation driver: a table's pandera model on every staged batch, and the batch's gates.

`find_rejects` validates a batch lazily and returns every failing row with all of its reasons.
`validate` runs it chunk by chunk over the run's staged batch, records the rejects in
staging.rejects (quarantine moves them in the load's transaction) and the gates in
audit.data_quality_log, profiles the batch's columns (profiling.py: audit.column_profile and the
drift checks), and raises QualityGateError when a gate fails.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass

import pandas as pd
import pandera.pandas as pa
import psycopg

from include.warehouse_kit import extract, pg_io, profiling, quality, run_log
from include.warehouse_kit.errors import QualityGateError
from include.warehouse_kit.run_context import RunContext
from include.warehouse_kit.sql_files import query, run_sql
from include.warehouse_kit.tables import FileSource, SourceTable, resolve

log = logging.getLogger(__name__)


def schema_for(table: SourceTable | FileSource, interval_end: dt.datetime) -> pa.DataFrameSchema:
    """The table's row schema. A model with a `for_run(schema, interval_end)` classmethod adds
    the checks that depend on the run (a plausibility window, say)."""
    model = resolve(table.model)
    schema = model.to_schema()
    for_run = getattr(model, "for_run", None)
    return for_run(schema, interval_end) if for_run else schema


def _reason(column: object, check: object, context: object) -> str:
    check = str(check)
    if context == "DataFrameSchema" and check != "column_in_schema":
        return check  # a check on the whole row names no column
    if check == "not_nullable":
        return f"{column}: required value is missing"
    if column is None or pd.isna(column):
        return check
    return f"{column}: {check}"


def row_reasons(schema: pa.DataFrameSchema, batch: pd.DataFrame, name: str) -> pd.Series:
    """Validate `batch` lazily: the sorted reasons of each failing row, by index label (an empty
    Series when every row passes). A problem of the whole batch (a missing column, a wrong
    type) raises ValueError: no row of it can be trusted."""
    try:
        schema.validate(batch, lazy=True)
        return pd.Series([], dtype="object")
    except pa.errors.SchemaErrors as err:
        cases = err.failure_cases
    row_cases = cases[cases["index"].notna()]
    whole_table = cases[cases["index"].isna()]
    if not whole_table.empty:
        raise ValueError(f"{name}: batch does not match the contract:\n{whole_table.to_string()}")
    return (
        row_cases.assign(reason=[_reason(c, k, s) for c, k, s in zip(
            row_cases["column"], row_cases["check"], row_cases["schema_context"], strict=True)])
        .groupby("index")["reason"]
        .agg(lambda r: sorted(set(r)))
    )


def find_rejects(table: SourceTable, batch: pd.DataFrame, interval_end: dt.datetime) -> pd.DataFrame:
    """Validate `batch` lazily. Returns one row per failing input row.

    Columns: row (index label in `batch`), source_id, source_updated_at, reasons (sorted list).
    """
    empty = pd.DataFrame({"row": pd.Series([], dtype="int64"),
                          "source_id": pd.Series([], dtype="Int64"),
                          "source_updated_at": pd.Series([], dtype="datetime64[us, UTC]"),
                          "reasons": pd.Series([], dtype="object")})
    if batch.empty:
        return empty
    reasons = row_reasons(schema_for(table, interval_end), batch, table.name)
    if reasons.empty:
        return empty
    rows = reasons.index.astype("int64")
    return pd.DataFrame({
        "row": rows,
        "source_id": batch.loc[rows, table.primary_key].astype("Int64").to_numpy(),
        "source_updated_at": batch.loc[rows, "updated_at"].to_numpy(),
        "reasons": reasons.to_list(),
    })


@dataclass(frozen=True)
class GateResult:
    check: str
    passed: bool      # the threshold held
    observed: float
    threshold: float
    enforced: bool = True  # the batch is big enough for a breach to fail the run
    min_rows: int = 0
    counted: int = 0  # the rows the share counts (complete, or rejected) ...
    rows: int = 0     # ... of the batch's rows

    @property
    def status(self) -> str:
        return "pass" if self.passed else "fail" if self.enforced else "warn"

    @property
    def observed_text(self) -> str:
        share = f"{self.observed:.4f}"
        return f"{share} ({self.counted} of {self.rows} rows)" if self.status == "warn" else share

    @property
    def expected(self) -> str:
        bound = (">= " if self.check.endswith("completeness") else "<= ") + f"{self.threshold:.2f}"
        return f"{bound} (enforced from {self.min_rows} rows)" if self.status == "warn" else bound


@dataclass(frozen=True)
class Tally:
    """What the gates need of a batch, summed chunk by chunk (a batch is validated in chunks
    so that memory stays flat whatever its size)."""

    rows: int = 0
    complete_rows: int = 0  # rows whose key fields are all present
    rejected_rows: int = 0

    def __add__(self, other: Tally) -> Tally:
        return Tally(self.rows + other.rows, self.complete_rows + other.complete_rows,
                     self.rejected_rows + other.rejected_rows)


def tally(table: SourceTable, batch: pd.DataFrame, rejected_rows: int) -> Tally:
    return Tally(len(batch), int(batch[list(table.key_fields)].notna().all(axis=1).sum()), rejected_rows)


def quality_gates(table: SourceTable | FileSource, counts: Tally) -> list[GateResult]:
    """Key-field completeness and the quarantined share of the batch, against the table's
    thresholds (by default >= 95 % and <= 5 %). A batch of fewer than `min_rows` rows only warns."""
    if counts.rows == 0:
        return []
    gates = table.gates
    complete = counts.complete_rows / counts.rows
    share = counts.rejected_rows / counts.rows
    enforced = counts.rows >= gates.min_rows
    extra = {"enforced": enforced, "min_rows": gates.min_rows, "rows": counts.rows}
    return [
        GateResult(f"{table.name}.key_completeness", complete >= gates.min_key_completeness,
                   float(complete), gates.min_key_completeness, counted=counts.complete_rows, **extra),
        GateResult(f"{table.name}.quarantine_share", share <= gates.max_quarantine_share,
                   float(share), gates.max_quarantine_share, counted=counts.rejected_rows, **extra),
    ]


def pg_array(values: list[str]) -> str:
    escaped = (v.replace("\\", "\\\\").replace('"', '\\"') for v in values)
    return "{" + ",".join(f'"{v}"' for v in escaped) + "}"


def validate(wh: psycopg.Connection, table: SourceTable, ctx: RunContext) -> dict:
    """Run the table's rules on the staged batch, record the rejects and the quality gates.

    Raises QualityGateError when an enforced gate fails; the load never starts then. A breach on
    a batch below the table's min_rows is logged as a warning, and its rows still go to quarantine.
    """
    # Rows without updated_at come back every night (no window can exclude them); once they
    # sit in quarantine they no longer count against the gates.
    known = {r[0] for r in wh.execute(query("kit/validate/select_known_undated_rejects.sql"),
                                      {"source_table": table.qualified_name})}
    counts, rows, rejected = Tally(), 0, 0
    profiler = profiling.Profiler(table.types)
    with wh.transaction():
        run_sql(wh, "kit/validate/create_reject_rows.sql", ctx.keys() | {"source_table": table.qualified_name})
        for batch in extract.read_batches(wh, table, ctx):
            profiler.add(batch)
            rejects = find_rejects(table, batch, ctx.interval_end)
            known_rows = batch.index[batch["updated_at"].isna() & batch[table.primary_key].isin(known)]
            counts += tally(table, batch.drop(index=known_rows), int((~rejects["row"].isin(known_rows)).sum()))
            rows, rejected = rows + len(batch), rejected + len(rejects)
            pg_io.write_frame(wh, "tmp_reject_rows", pd.DataFrame({
                "staging_row": rejects["row"],
                "source_id": rejects["source_id"],
                "source_updated_at": rejects["source_updated_at"],
                "reasons": [pg_array(r) for r in rejects["reasons"]],
            }))
        wh.execute(query("kit/validate/insert_rejects.sql"), ctx.keys() | {"source_table": table.qualified_name})
        gates = record_gates(wh, ctx, table, counts)
        profile_ms = profiling.finish(wh, ctx, table.name, profiler, table.gates.min_rows)
        result = {"validated": rows, "rejected": rejected}
        run_log.record_counts(wh, ctx, table.name, result | {"profile_ms": profile_ms})
    log.info("validated %s: %s", table.name, result)
    enforce_gates(table, counts, gates)
    return result


def record_gates(wh: psycopg.Connection, ctx: RunContext, source: SourceTable | FileSource,
                 counts: Tally) -> list[GateResult]:
    """The source's gates on a batch's tally, into audit.data_quality_log."""
    gates = quality_gates(source, counts)
    quality.record(wh, ctx, [quality.Check(g.check, g.status, g.observed_text, g.expected) for g in gates])
    return gates


def enforce_gates(source: SourceTable | FileSource, counts: Tally, gates: list[GateResult]) -> None:
    """Warn on a breach below min_rows; raise QualityGateError on an enforced one."""
    for g in gates:
        if g.status == "warn":
            log.warning("%s = %.2f%% breaks its limit (%.0f%%), but the batch has only %s rows (the gate "
                        "fails from %s): the night goes on", g.check, 100 * g.observed, 100 * g.threshold,
                        counts.rows, g.min_rows)
    failed = [g for g in gates if g.status == "fail"]
    if failed:
        detail = "; ".join(f"{g.check} = {g.observed:.2%} (limit {g.threshold:.0%})" for g in failed)
        raise QualityGateError(f"{source.qualified_name} batch of {counts.rows} rows failed quality gates: {detail}")
