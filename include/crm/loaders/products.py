"""products -> core.dim_product, newer wins."""

from __future__ import annotations

import psycopg

from include.crm import transforms
from include.crm.contracts import PRODUCTS
from include.warehouse_kit import load as kit_load
from include.warehouse_kit.quarantine import quarantine, release
from include.warehouse_kit.run_context import RunContext
from include.warehouse_kit.sql_files import query

TMP_PRODUCTS = {"product_id": "bigint", "sku": "text", "name": "text", "category": "text",
                "list_price": "numeric(12,2)", "is_active": "boolean",
                "created_at": "timestamptz", "updated_at": "timestamptz"}


def load(wh: psycopg.Connection, ctx: RunContext) -> dict:
    table = PRODUCTS
    with kit_load.transaction(wh, table, ctx) as counts:
        counts["quarantined"] = quarantine(wh, table, ctx)
        kit_load.fill_valid(wh, table, ctx, TMP_PRODUCTS, transforms.transform_products)
        counts["released"] = release(wh, table)
        counts["loaded"] = kit_load.count_rows(wh, "tmp_valid")
        counts["written"] = wh.execute(query("crm/load/merge_dim_product.sql"), {"run_id": ctx.run_id}).rowcount
    return counts
