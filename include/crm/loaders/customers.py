"""customers -> core.customer_xref (who is the same person) and core.dim_customer (SCD2)."""

from __future__ import annotations

import psycopg
from psycopg import sql

from include.crm import transforms
from include.crm.contracts import CUSTOMERS
from include.crm.loaders import customer_versions
from include.crm.loaders.common import create_tmp_orders, customer_version_at
from include.warehouse_kit import extract, pg_io
from include.warehouse_kit import load as kit_load
from include.warehouse_kit.quarantine import quarantine, release, remove_replaced
from include.warehouse_kit.run_context import RunContext
from include.warehouse_kit.sql_files import query, run_sql

TMP_CUSTOMERS = {"customer_id": "bigint", "email": "text", "first_name": "text",
                 "last_name": "text", "country_code": "char(2)", "city": "text",
                 "marketing_opt_in": "boolean", "created_at": "timestamptz",
                 "updated_at": "timestamptz", "deleted_at": "timestamptz"}
XREF_TYPES = {"customer_id": "bigint", "canonical_customer_id": "bigint", "email": "text",
              "first_name": "text", "last_name": "text", "country_code": "text", "city": "text",
              "marketing_opt_in": "boolean", "created_at": "timestamptz",
              "updated_at": "timestamptz", "deleted_at": "timestamptz"}


def load(wh: psycopg.Connection, ctx: RunContext) -> dict:
    """Conform customers, settle who is the same person, and version dim_customer (SCD2)."""
    table = CUSTOMERS
    columns = sql.SQL(", ").join(map(sql.Identifier, XREF_TYPES))
    with kit_load.transaction(wh, table, ctx) as counts:
        counts["quarantined"] = quarantine(wh, table, ctx)
        kit_load.fill_valid(wh, table, ctx, TMP_CUSTOMERS, transforms.normalize_customers)
        counts["released"] = release(wh, table)
        counts["loaded"] = kit_load.count_rows(wh, "tmp_valid")
        run_sql(wh, "crm/load/customers/collect_touched.sql")
        remove_replaced(wh, "core.customer_xref", "customer_id")
        # a first night builds the secondary indexes after the rows (the primary key, ON CONFLICT's arbiter, stays)
        with kit_load.indexes_after_rows(wh, "core.customer_xref"):
            counts["written"] = wh.execute(query("crm/load/merge_customer_xref.sql"), {"run_id": ctx.run_id}).rowcount

        run_sql(wh, "crm/load/customers/create_members.sql", columns=columns)
        # A person is an email group, so the members split into independent parts by a hash of
        # the email: memory stays flat however many customers a night touches.
        parts = max(1, -(-kit_load.count_rows(wh, "tmp_members") // extract.CHUNK_ROWS))
        kit_load.temp_table(wh, "tmp_canonical", {"customer_id": "bigint", "canonical_customer_id": "bigint"})
        # the first night's versions go into dim_customer before its secondary indexes are built
        with kit_load.indexes_after_rows(wh, "core.dim_customer"):
            for part in range(parts):
                members = pg_io.read_frame(wh, query("crm/load/customers/select_member_part.sql", columns=columns),
                                           {"parts": parts, "part": part}, XREF_TYPES)
                members["canonical_customer_id"] = transforms.assign_canonical(members)
                pg_io.write_frame(wh, "tmp_canonical", members[["customer_id", "canonical_customer_id"]])
                for name, n in customer_versions.apply(wh, members).items():
                    counts[name] = counts.get(name, 0) + n
        run_sql(wh, "crm/load/customers/apply_canonical.sql")

        create_tmp_orders(wh)
        run_sql(wh, "crm/load/update_order_customer_keys.sql",
                customer_version_at=customer_version_at(query("crm/load/customers/touched_orders.sql")))
        wh.execute(query("crm/load/update_line_keys.sql"))
        wh.execute(query("crm/load/delete_replaced_inferred_customers.sql"))
    return counts
