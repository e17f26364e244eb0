"""How a valid staged order and a staged line load into core (the select lists of
include/sql/crm/load/*/valid_values.sql), evaluated by PostgreSQL on hand-made staged rows."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import psycopg
import pytest
from psycopg import sql

from include.crm.loaders.order_items import TMP_LINES
from include.crm.loaders.orders import TMP_ORDERS
from include.warehouse_kit.sql_files import query

UTC = dt.UTC


def _load(admin_uri: str, values_file: str, staged: dict, params: dict | None = None) -> dict:
    """The loaded row of one staged row `staged` (column -> value, cast to its staging type)."""
    row = sql.SQL(", ").join(sql.SQL("{}::{} AS {}").format(sql.Placeholder(c), sql.SQL(t), sql.Identifier(c))
                             for c, t in STAGED_TYPES.items() if c in staged)
    with psycopg.connect(admin_uri) as conn:
        conn.execute("SET TimeZone = 'UTC'")
        cur = conn.execute(sql.SQL("SELECT {} FROM (SELECT {}) s").format(query(values_file), row), staged | (params or {}))
        return dict(zip(TMP_LINES if "order_item_id" in staged else TMP_ORDERS, cur.fetchone(), strict=True))


STAGED_TYPES = {"order_item_id": "bigint", "order_id": "bigint", "product_id": "bigint", "customer_id": "bigint",
                "quantity": "integer", "unit_price": "numeric(12,2)", "order_ts": "timestamptz",
                "status": "text", "channel": "text", "currency": "text", "discount_amount": "numeric(12,2)",
                "shipping_amount": "numeric(12,2)", "created_at": "timestamptz", "updated_at": "timestamptz"}
AT = dt.datetime(2026, 10, 5, 12, tzinfo=UTC)


def _line(quantity: int, unit_price: str) -> dict:
    return {"order_item_id": 7, "order_id": 3, "product_id": 11, "quantity": quantity, "unit_price": Decimal(unit_price),
            "created_at": AT, "updated_at": AT}


@pytest.mark.parametrize(("quantity", "unit_price", "amount"), [
    (3, "19.99", "59.97"), (1, "0.10", "0.10"), (3, "0.10", "0.30"), (7, "0.00", "0.00"), (2, "1.01", "2.02"),
    (999, "99999.99", "99899990.01"),
])
def test_line_amount_is_quantity_times_unit_price_exact_to_the_cent(admin_uri, quantity, unit_price, amount):
    loaded = _load(admin_uri, "crm/load/order_items/valid_values.sql", _line(quantity, unit_price))
    assert loaded["line_amount"] == Decimal(amount)
    assert loaded | {"line_amount": None} == _line(quantity, unit_price) | {"line_amount": None}


def _order(order_ts: dt.datetime) -> dict:
    return {"order_id": 3, "customer_id": 5, "order_ts": order_ts, "status": "paid", "channel": "web",
            "currency": "EUR", "discount_amount": Decimal("1.50"), "shipping_amount": Decimal("4.90"),
            "created_at": AT, "updated_at": AT}


@pytest.mark.parametrize(("order_ts", "business_tz", "date_key"), [
    ("2026-10-05T23:30Z", "Europe/Berlin", 20261006),     # east of UTC: already the next day
    ("2026-10-05T23:30Z", "UTC", 20261005),
    ("2026-10-06T00:00Z", "UTC", 20261006),
    ("2026-10-06T03:00Z", "America/New_York", 20261005),  # west of UTC: still the day before
    ("2026-10-25T00:30Z", "Europe/Berlin", 20261025),     # the night summer time ends (02:30 CEST)
    ("2026-03-28T23:30Z", "Europe/Berlin", 20260329),     # the night it starts (00:30 CET)
])
def test_an_orders_date_key_is_its_calendar_date_in_the_business_timezone(admin_uri, order_ts, business_tz, date_key):
    staged = _order(dt.datetime.fromisoformat(order_ts))
    loaded = _load(admin_uri, "crm/load/orders/valid_values.sql", staged, {"business_tz": business_tz})
    assert loaded == staged | {"date_key": date_key}
