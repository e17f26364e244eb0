"""The source contract: the CRM tables we read, their columns and their keys."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class SourceTable:
    name: str
    primary_key: str
    columns: tuple[str, ...]
    key_fields: tuple[str, ...]  # used by the completeness gate
    timestamp_columns: tuple[str, ...]

    @property
    def types(self) -> dict[str, str]:
        """Column -> PostgreSQL type, as staged."""
        return {c: COLUMN_TYPES[c] for c in self.columns}


COLUMN_TYPES = {
    "customer_id": "bigint", "product_id": "bigint", "order_id": "bigint", "order_item_id": "bigint",
    "email": "text", "first_name": "text", "last_name": "text", "country": "text", "city": "text",
    "marketing_opt_in": "boolean", "is_active": "boolean",
    "sku": "text", "name": "text", "category": "text", "status": "text", "channel": "text",
    "currency": "text", "list_price": "numeric", "discount_amount": "numeric",
    "shipping_amount": "numeric", "unit_price": "numeric", "quantity": "integer",
    "order_ts": "timestamptz", "created_at": "timestamptz", "updated_at": "timestamptz",
    "deleted_at": "timestamptz",
}


CUSTOMERS = SourceTable(
    name="customers",
    primary_key="customer_id",
    columns=("customer_id", "email", "first_name", "last_name", "country", "city",
             "marketing_opt_in", "created_at", "updated_at", "deleted_at"),
    key_fields=("customer_id", "updated_at"),
    timestamp_columns=("created_at", "updated_at", "deleted_at"),
)
PRODUCTS = SourceTable(
    name="products",
    primary_key="product_id",
    columns=("product_id", "sku", "name", "category", "list_price", "is_active",
             "created_at", "updated_at"),
    key_fields=("product_id", "updated_at"),
    timestamp_columns=("created_at", "updated_at"),
)
ORDERS = SourceTable(
    name="orders",
    primary_key="order_id",
    columns=("order_id", "customer_id", "order_ts", "status", "channel", "currency",
             "discount_amount", "shipping_amount", "created_at", "updated_at"),
    key_fields=("order_id", "customer_id", "order_ts", "updated_at"),
    timestamp_columns=("order_ts", "created_at", "updated_at"),
)
ORDER_ITEMS = SourceTable(
    name="order_items",
    primary_key="order_item_id",
    columns=("order_item_id", "order_id", "product_id", "quantity", "unit_price",
             "created_at", "updated_at"),
    key_fields=("order_item_id", "order_id", "product_id", "updated_at"),
    timestamp_columns=("created_at", "updated_at"),
)

# Load order matters: dimensions before facts, orders before their lines.
TABLES: tuple[SourceTable, ...] = (PRODUCTS, CUSTOMERS, ORDERS, ORDER_ITEMS)
BY_NAME = {t.name: t for t in TABLES}

ORDER_STATUSES = ("placed", "paid", "shipped", "delivered", "cancelled", "refunded")
ORDER_CHANNELS = ("web", "mobile", "marketplace")


# The mart contract: every segment marts.customer_segments may hold, best first
# (the rules are in include/sql/crm/marts/build_customer_segments.sql).
SEGMENTS = ("champion", "loyal", "potential_loyalist", "new_customer", "promising", "need_attention",
            "about_to_sleep", "at_risk", "cant_lose", "hibernating", "lost", "prospect")
UNSCORED = ("lost", "prospect")  # no scores: no qualifying order in the window
