"""The CRM source contract: one declaration per table it reads (columns, keys, row rules,
loader, the core tables it feeds), the source connection, and the mart contract."""

from __future__ import annotations

from include.warehouse_kit.tables import Reconcile, SourceTable, by_name

DOMAIN = "crm"
DAG_ID = "crm_nightly"
SOURCE_CONN_ID = "crm_source"
SOURCE_SCHEMA = "crm"
SOURCE_POOL = "crm_source"
SOURCE_POOL_SLOTS = 2

TS, ID, TEXT, NUM, BOOL = "timestamptz", "bigint", "text", "numeric", "boolean"

PRODUCTS = SourceTable(
    name="products", schema=SOURCE_SCHEMA,
    types={"product_id": ID, "sku": TEXT, "name": TEXT, "category": TEXT, "list_price": NUM,
           "is_active": BOOL, "created_at": TS, "updated_at": TS},
    primary_key="product_id",
    key_fields=("product_id", "updated_at"),
    model="include.crm.rules:ProductRow",
    loader="include.crm.loaders.products:load",
    feeds=("core.dim_product",),
    extract_priority=1,
    freshness=None,  # the catalogue can rest for weeks
    reconcile=Reconcile("crm/reconcile/core_products.sql"),
)
CUSTOMERS = SourceTable(
    name="customers", schema=SOURCE_SCHEMA,
    types={"customer_id": ID, "email": TEXT, "first_name": TEXT, "last_name": TEXT, "country": TEXT,
           "city": TEXT, "marketing_opt_in": BOOL, "created_at": TS, "updated_at": TS, "deleted_at": TS},
    primary_key="customer_id",
    key_fields=("customer_id", "updated_at"),
    model="include.crm.rules:CustomerRow",
    loader="include.crm.loaders.customers:load",
    feeds=("core.customer_xref", "core.dim_customer"),
    extract_priority=2,
    reconcile=Reconcile("crm/reconcile/core_customers.sql"),
)
ORDERS = SourceTable(
    name="orders", schema=SOURCE_SCHEMA,
    types={"order_id": ID, "customer_id": ID, "order_ts": TS, "status": TEXT, "channel": TEXT,
           "currency": TEXT, "discount_amount": NUM, "shipping_amount": NUM, "created_at": TS,
           "updated_at": TS},
    primary_key="order_id",
    key_fields=("order_id", "customer_id", "order_ts", "updated_at"),
    model="include.crm.rules:OrderRow",
    loader="include.crm.loaders.orders:load",
    feeds=("core.fact_orders",),
    load_after=("products", "customers"),
    extract_priority=3,
    reconcile=Reconcile("crm/reconcile/core_orders.sql"),
)
ORDER_ITEMS = SourceTable(
    name="order_items", schema=SOURCE_SCHEMA,
    types={"order_item_id": ID, "order_id": ID, "product_id": ID, "quantity": "integer",
           "unit_price": NUM, "created_at": TS, "updated_at": TS},
    primary_key="order_item_id",
    key_fields=("order_item_id", "order_id", "product_id", "updated_at"),
    model="include.crm.rules:OrderItemRow",
    loader="include.crm.loaders.order_items:load",
    feeds=("core.fact_order_lines",),
    load_after=("orders",),
    extract_priority=4,
    reconcile=Reconcile("crm/reconcile/core_order_items.sql", source_amount="crm/reconcile/order_item_amount.sql"),
)

# Load order: dimensions before facts, orders before their lines.
TABLES: tuple[SourceTable, ...] = (PRODUCTS, CUSTOMERS, ORDERS, ORDER_ITEMS)
BY_NAME = by_name(TABLES)

ORDER_STATUSES = ("placed", "paid", "shipped", "delivered", "cancelled", "refunded")
ORDER_CHANNELS = ("web", "mobile", "marketplace")


# The mart contract: every segment marts.customer_segments may hold, best first
# (the rules are in include/sql/crm/marts/build_customer_segments.sql).
SEGMENTS = ("champion", "loyal", "potential_loyalist", "new_customer", "promising", "need_attention",
            "about_to_sleep", "at_risk", "cant_lose", "hibernating", "lost", "prospect")
UNSCORED = ("lost", "prospect")  # no scores: no qualifying order in the window
