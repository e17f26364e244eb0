"""What several CRM loaders share: the customer-version lookup, the orders to re-value and how
an order is valued."""

from __future__ import annotations

import psycopg
from psycopg import sql

from include.warehouse_kit.sql_files import query


def customer_version_at(orders: sql.Composable) -> sql.Composable:
    """The customer-version lookup (one rule, one file) for the rows of `orders`, a relation
    of (order_id, customer_id, order_ts)."""
    return query("crm/load/select_customer_version_at.sql", orders=orders)


def line_totals(orders: sql.Composable | None) -> sql.Composable:
    """The valuation (one rule, one file) of the orders of `orders`, a relation of (order_id),
    or of every order with lines in core (None)."""
    of_orders = sql.SQL("") if orders is None else query("crm/load/line_totals_of_orders.sql", orders=orders)
    return query("crm/load/order_line_totals.sql", of_orders=of_orders)


def revalue_orders(wh: psycopg.Connection, *, total_every_order: bool = False) -> int:
    """Re-value the orders of tmp_orders from their lines in core; returns the orders changed.
    `total_every_order` sums the lines of every order in one pass instead of looking up which
    lines are tmp_orders': the same values, cheaper when tmp_orders holds most orders with
    lines (a first night's lines, into an empty fact)."""
    orders = None if total_every_order else sql.Identifier("tmp_orders")
    return wh.execute(query("crm/load/update_order_amounts.sql", line_totals=line_totals(orders))).rowcount


def create_tmp_orders(wh: psycopg.Connection) -> None:
    """tmp_orders: the orders of this transaction's load whose lines must be re-keyed (the orders
    load) or that must be re-valued from their lines (the lines load)."""
    wh.execute(query("crm/load/create_tmp_orders.sql"))
