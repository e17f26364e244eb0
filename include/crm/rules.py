"""Row rules of each CRM source table (pandera), named by the table declarations in
contracts.py. The kit's validation driver runs them lazily on every staged batch; rows that fail
go to `audit.quarantine` with every reason.
"""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pandera.pandas as pa
from pandera.typing import Series

from include.crm.contracts import ORDER_CHANNELS, ORDER_STATUSES
from include.warehouse_kit import rules
from include.warehouse_kit.rules import Id, Ts

EARLIEST_ORDER_TS = rules.EARLIEST_TS
# One @, no whitespace, a dotted domain. Checked on the trimmed, lower-cased address;
# a blank address counts as missing (it is loaded as NULL).
EMAIL_PATTERN = r"^[^@\s]+@[^@\s.]+(\.[^@\s.]+)+$"

# A line above this value is a data error, not a sale; it also keeps every amount within the
# warehouse's numeric(14, 2) columns (line_amount, an order's gross and net amounts).
MAX_LINE_AMOUNT = 1_000_000_000

_no_nul, _ts = rules.no_nul, rules.utc_field


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

    @classmethod
    def for_run(cls, schema: pa.DataFrameSchema, interval_end: dt.datetime) -> pa.DataFrameSchema:
        """The plausibility window of order_ts, which depends on the run: from 2000 up to a day
        after the interval end."""
        latest = rules.plausible_until(interval_end)
        return schema.update_column("order_ts", checks=[pa.Check.ge(EARLIEST_ORDER_TS), pa.Check.le(latest)])

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
