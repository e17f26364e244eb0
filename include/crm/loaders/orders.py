"""orders -> core.fact_orders, keyed to the customer version of the order's time and valued
from the lines already loaded."""

from __future__ import annotations

import psycopg
from psycopg import sql

from include.crm.contracts import ORDERS
from include.crm.loaders.common import create_tmp_orders, customer_version_at, line_totals
from include.warehouse_kit import load as kit_load
from include.warehouse_kit.quarantine import quarantine, release, remove_replaced
from include.warehouse_kit.run_context import RunContext
from include.warehouse_kit.settings import settings
from include.warehouse_kit.sql_files import query

TMP_ORDERS = {"order_id": "bigint", "customer_id": "bigint", "order_ts": "timestamptz",
              "status": "text", "channel": "text", "currency": "char(3)",
              "discount_amount": "numeric(12,2)", "shipping_amount": "numeric(12,2)",
              "created_at": "timestamptz", "updated_at": "timestamptz", "date_key": "integer"}


def load(wh: psycopg.Connection, ctx: RunContext) -> dict:
    table = ORDERS
    business_tz = settings().business_tz
    # a first night inserts into the empty fact plainly and builds its indexes, the primary key's too, after the rows
    with kit_load.transaction(wh, table, ctx) as counts, \
            kit_load.indexes_after_rows(wh, "core.fact_orders", primary_key=True) as first:
        counts["quarantined"] = quarantine(wh, table, ctx)
        create_tmp_orders(wh)
        wh.execute(query("crm/load/orders/note_rejected_orders.sql"))
        remove_replaced(wh, "core.fact_orders", "order_id")
        kit_load.fill_valid_as_staged(wh, table, ctx, TMP_ORDERS, query("crm/load/orders/valid_values.sql"),
                                      {"business_tz": business_tz.key})
        counts["released"] = release(wh, table)
        counts["loaded"] = kit_load.count_rows(wh, "tmp_valid")
        wh.execute(query("crm/load/orders/note_valid_orders.sql"))
        wh.execute(query("kit/load/ensure_dates.sql", table="tmp_valid"))
        counts["inferred_customers"] = wh.execute(query("crm/load/insert_inferred_customers.sql")).rowcount
        insert = query("crm/load/insert_fact_orders.sql",
                       customer_version_at=customer_version_at(sql.Identifier("tmp_valid")),
                       line_totals=line_totals(sql.Identifier("tmp_valid")))
        counts["written"] = wh.execute(insert if first else query("crm/load/merge_fact_orders.sql", insert=insert),
                                       {"run_id": ctx.run_id}).rowcount
        wh.execute(query("crm/load/orders/unkey_lines_of_removed_orders.sql"))
        wh.execute(query("crm/load/update_line_keys.sql"))
    return counts
