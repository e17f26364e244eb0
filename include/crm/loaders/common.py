"""What several CRM loaders share: the customer-version lookup and the orders to re-value."""

from __future__ import annotations

import psycopg
from psycopg import sql

from include.warehouse_kit.sql_files import query


def customer_version_at(orders: sql.Composable) -> sql.Composable:
    """The customer-version lookup (one rule, one file) for the rows of `orders`, a relation
    of (order_id, customer_id, order_ts)."""
    return query("crm/load/select_customer_version_at.sql", orders=orders)


def create_tmp_orders(wh: psycopg.Connection) -> None:
    """tmp_orders: the orders whose lines must be re-keyed and re-valued in this transaction."""
    wh.execute(query("crm/load/create_tmp_orders.sql"))
