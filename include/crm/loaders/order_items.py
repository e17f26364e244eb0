"""order_items -> core.fact_order_lines, then the orders they belong to are re-valued."""

from __future__ import annotations

import psycopg

from include.crm.contracts import ORDER_ITEMS
from include.crm.loaders.common import create_tmp_orders, revalue_orders
from include.warehouse_kit import load as kit_load
from include.warehouse_kit.quarantine import quarantine, release, remove_replaced
from include.warehouse_kit.run_context import RunContext
from include.warehouse_kit.sql_files import query

TMP_LINES = {"order_item_id": "bigint", "order_id": "bigint", "product_id": "bigint",
             "quantity": "integer", "unit_price": "numeric(12,2)", "line_amount": "numeric(14,2)",
             "created_at": "timestamptz", "updated_at": "timestamptz"}


def load(wh: psycopg.Connection, ctx: RunContext) -> dict:
    table = ORDER_ITEMS
    # a first night inserts into the empty fact plainly and builds its indexes, the primary key's too, after the rows
    with kit_load.transaction(wh, table, ctx) as counts, \
            kit_load.indexes_after_rows(wh, "core.fact_order_lines", primary_key=True) as first:
        counts["quarantined"] = quarantine(wh, table, ctx)
        create_tmp_orders(wh)
        wh.execute(query("crm/load/order_items/note_rejected_line_orders.sql"))
        remove_replaced(wh, "core.fact_order_lines", "order_item_id")
        kit_load.fill_valid_as_staged(wh, table, ctx, TMP_LINES, query("crm/load/order_items/valid_values.sql"))
        counts["released"] = release(wh, table)
        counts["loaded"] = kit_load.count_rows(wh, "tmp_valid")
        wh.execute(query("crm/load/order_items/note_valid_line_orders.sql"))
        counts["inferred_products"] = wh.execute(query("crm/load/insert_inferred_products.sql"),
                                                 {"run_id": ctx.run_id}).rowcount
        insert = query("crm/load/insert_fact_order_lines.sql")
        counts["written"] = wh.execute(insert if first else query("crm/load/merge_fact_order_lines.sql", insert=insert),
                                       {"run_id": ctx.run_id}).rowcount
        kit_load.analyze(wh, "tmp_orders")
        # into the empty fact, every line in core is this batch's: its orders are all of them
        revalue_orders(wh, total_every_order=first)
    return counts
