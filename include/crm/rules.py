"""Row rules for each source table (pandera) and the batch-level quality gates.

`find_rejects` validates a staged batch lazily and returns every failing row with all of
its reasons. Rows that pass go on; rejected rows go to `audit.quarantine`.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pandas as pd
import pandera.pandas as pa
from pandera.typing import Series

from include.crm.contracts import ORDER_CHANNELS, ORDER_STATUSES, SourceTable
from include.warehouse_kit.settings import MAX_QUARANTINE_SHARE, MIN_KEY_COMPLETENESS

EARLIEST_ORDER_TS = pd.Timestamp("2000-01-01", tz="UTC")
# One @, no whitespace, a dotted domain. Checked on the trimmed, lower-cased address;
# a blank address counts as missing (it is loaded as NULL).
EMAIL_PATTERN = r"^[^@\s]+@[^@\s.]+(\.[^@\s.]+)+$"

# A line above this value is a data error, not a sale; it also keeps every amount within the
# warehouse's numeric(14, 2) columns (line_amount, an order's gross and net amounts).
MAX_LINE_AMOUNT = 1_000_000_000

Id = pd.Int64Dtype
Ts = pd.DatetimeTZDtype


def _no_nul(text: Series[str]) -> Series[bool]:
    """PostgreSQL text cannot hold NUL (\\x00), so a PostgreSQL CRM cannot send one; a row that
    brings one anyway (another source, a bug upstream) is quarantined, never truncated."""
    return ~text.str.contains("\x00", regex=False, na=False)


def _ts(**kwargs) -> pa.Field:
    return pa.Field(dtype_kwargs={"unit": "us", "tz": "UTC"}, **kwargs)


class CustomerRow(pa.DataFrameModel):
    customer_id: Series[Id] = pa.Field(nullable=False)
    email: Series[str] = pa.Field(nullable=True)
    first_name: Series[str] = pa.Field(nullable=False)
    last_name: Series[str] = pa.Field(nullable=False)
    country: Series[str] = pa.Field(nullable=True)
    city: Series[str] = pa.Field(nullable=True)
    marketing_opt_in: Series[pd.BooleanDtype] = pa.Field(nullable=False)
    created_at: Series[Ts] = _ts(nullable=False)
    updated_at: Series[Ts] = _ts(nullable=False)
    deleted_at: Series[Ts] = _ts(nullable=True)

    @pa.check("email", "first_name", "last_name", "country", "city", name="no_nul_byte")
    def customer_text(cls, text: Series[str]) -> Series[bool]:
        return _no_nul(text)

    @pa.check("email", name="valid_email_syntax")
    def email_syntax(cls, email: Series[str]) -> Series[bool]:
        address = email.str.strip().str.lower()
        return address.isna() | (address == "") | address.str.match(EMAIL_PATTERN)

    class Config:
        strict = True


class ProductRow(pa.DataFrameModel):
    product_id: Series[Id] = pa.Field(nullable=False)
    sku: Series[str] = pa.Field(nullable=False)
    name: Series[str] = pa.Field(nullable=False)
    category: Series[str] = pa.Field(nullable=False)
    list_price: Series[float] = pa.Field(nullable=False)
    is_active: Series[pd.BooleanDtype] = pa.Field(nullable=False)
    created_at: Series[Ts] = _ts(nullable=False)
    updated_at: Series[Ts] = _ts(nullable=False)

    @pa.check("sku", "name", "category", name="no_nul_byte")
    def product_text(cls, text: Series[str]) -> Series[bool]:
        return _no_nul(text)

    class Config:
        strict = True


class OrderRow(pa.DataFrameModel):
    order_id: Series[Id] = pa.Field(nullable=False)
    customer_id: Series[Id] = pa.Field(nullable=False)
    order_ts: Series[Ts] = _ts(nullable=False)
    status: Series[str] = pa.Field(nullable=False, isin=ORDER_STATUSES)
    channel: Series[str] = pa.Field(nullable=False, isin=ORDER_CHANNELS)
    currency: Series[str] = pa.Field(nullable=False)
    discount_amount: Series[float] = pa.Field(nullable=False)
    shipping_amount: Series[float] = pa.Field(nullable=False)
    created_at: Series[Ts] = _ts(nullable=False)
    updated_at: Series[Ts] = _ts(nullable=False)

    class Config:
        strict = True


class OrderItemRow(pa.DataFrameModel):
    order_item_id: Series[Id] = pa.Field(nullable=False)
    order_id: Series[Id] = pa.Field(nullable=False)
    product_id: Series[Id] = pa.Field(nullable=False)
    quantity: Series[Id] = pa.Field(nullable=False, gt=0)
    unit_price: Series[float] = pa.Field(nullable=False, ge=0)
    created_at: Series[Ts] = _ts(nullable=False)
    updated_at: Series[Ts] = _ts(nullable=False)

    @pa.dataframe_check(name="line_amount_at_most_1e9")
    def line_amount(cls, lines: pd.DataFrame) -> Series[bool]:
        return (lines["quantity"].astype("float64") * lines["unit_price"]).fillna(0) <= MAX_LINE_AMOUNT

    class Config:
        strict = True


MODELS: dict[str, type[pa.DataFrameModel]] = {
    "customers": CustomerRow,
    "products": ProductRow,
    "orders": OrderRow,
    "order_items": OrderItemRow,
}


def schema_for(table: str, interval_end: dt.datetime) -> pa.DataFrameSchema:
    """The table's schema; orders also get the plausibility window that depends on the run."""
    schema = MODELS[table].to_schema()
    if table == "orders":
        latest = pd.Timestamp(interval_end).tz_convert("UTC") + pd.Timedelta(days=1)
        schema = schema.update_column(
            "order_ts",
            checks=[
                pa.Check.ge(EARLIEST_ORDER_TS),
                pa.Check.le(latest),
            ],
        )
    return schema


ROW_CHECKS = {"line_amount_at_most_1e9"}  # checks on a whole row: the reason names no column


def _reason(column: object, check: object) -> str:
    check = str(check)
    if check in ROW_CHECKS:
        return check
    if check == "not_nullable":
        return f"{column}: required value is missing"
    if column is None or pd.isna(column):
        return str(check)
    return f"{column}: {check}"


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
    try:
        schema_for(table.name, interval_end).validate(batch, lazy=True)
        return empty
    except pa.errors.SchemaErrors as err:
        cases = err.failure_cases
    row_cases = cases[cases["index"].notna()]
    whole_table = cases[cases["index"].isna()]
    if not whole_table.empty:
        # A schema-level problem (missing column, wrong type): no row can be trusted.
        raise ValueError(f"{table.name}: batch does not match the contract:\n{whole_table.to_string()}")
    reasons = (
        row_cases.assign(reason=[_reason(c, k) for c, k in zip(row_cases["column"], row_cases["check"], strict=True)])
        .groupby("index")["reason"]
        .agg(lambda r: sorted(set(r)))
    )
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
    passed: bool
    observed: float
    threshold: float


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


def quality_gates(table: SourceTable, counts: Tally) -> list[GateResult]:
    """Key-field completeness must be >= 95% and the quarantined share <= 5% of the batch."""
    if counts.rows == 0:
        return []
    complete = counts.complete_rows / counts.rows
    share = counts.rejected_rows / counts.rows
    return [
        GateResult(f"{table.name}.key_completeness", complete >= MIN_KEY_COMPLETENESS,
                   float(complete), MIN_KEY_COMPLETENESS),
        GateResult(f"{table.name}.quarantine_share", share <= MAX_QUARANTINE_SHARE,
                   float(share), MAX_QUARANTINE_SHARE),
    ]
