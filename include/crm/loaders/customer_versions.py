"""SCD2 of core.dim_customer: the plan (transforms.plan_customer_versions) applied to the table."""

from __future__ import annotations

import pandas as pd
import psycopg
from psycopg import sql

from include.crm import transforms
from include.warehouse_kit import pg_io
from include.warehouse_kit.load import temp_table
from include.warehouse_kit.sql_files import query

DIM_TYPES = {"customer_key": "bigint", "customer_id": "bigint", "email": "text",
             "first_name": "text", "last_name": "text", "country_code": "text", "city": "text",
             "marketing_opt_in": "boolean", "created_at": "timestamptz",
             "deleted_at": "timestamptz", "is_deleted": "boolean", "valid_from": "timestamptz",
             "valid_to": "timestamptz", "is_current": "boolean", "is_inferred": "boolean",
             "source_updated_at": "timestamptz"}


def _identifiers(names) -> sql.Composable:
    return sql.SQL(", ").join(map(sql.Identifier, names))


def apply(wh: psycopg.Connection, members: pd.DataFrame) -> dict:
    """Apply the SCD2 plan for the canonical customers of `members` and the ones retired."""
    is_canonical = members["customer_id"] == members["canonical_customer_id"]
    golden = members.loc[is_canonical, ["customer_id", *[a for a in transforms.ATTRIBUTES if a != "is_deleted"],
                                        "updated_at"]]
    # A customer stops being canonical when its own row or its new canonical's row changes.
    dups = members.loc[~is_canonical, ["customer_id", "canonical_customer_id", "updated_at"]].merge(
        members[["customer_id", "updated_at"]].rename(
            columns={"customer_id": "canonical_customer_id", "updated_at": "canonical_updated_at"}),
        on="canonical_customer_id", how="left")
    retired = pd.DataFrame({"customer_id": dups["customer_id"],
                            "retired_at": dups[["updated_at", "canonical_updated_at"]].max(axis=1)})
    wh.execute(query("crm/load/customers/drop_part_tables.sql"))
    temp_table(wh, "tmp_ids", {"customer_id": "bigint"})
    pg_io.write_frame(wh, "tmp_ids", members[["customer_id"]])
    latest = pg_io.read_frame(wh, query("crm/load/customers/select_latest_versions.sql",
                                        columns=_identifiers(DIM_TYPES)), None, DIM_TYPES)
    plan = transforms.plan_customer_versions(golden, latest, retired)

    attr_types = {c: DIM_TYPES[c] for c in transforms.ATTRIBUTES}
    attr_types["country_code"] = "char(2)"
    temp_table(wh, "tmp_close", {"customer_key": "bigint", "valid_to": "timestamptz"})
    pg_io.write_frame(wh, "tmp_close", plan.close)
    wh.execute(query("crm/load/customers/close_versions.sql"))
    temp_table(wh, "tmp_update", {"customer_key": "bigint", **attr_types, "source_updated_at": "timestamptz"})
    pg_io.write_frame(wh, "tmp_update", plan.update)
    assignments = sql.SQL(", ").join(
        sql.SQL("{c} = u.{c}").format(c=sql.Identifier(c)) for c in (*transforms.ATTRIBUTES, "source_updated_at"))
    wh.execute(query("crm/load/customers/update_versions.sql", assignments=assignments))
    temp_table(wh, "tmp_insert", {"customer_id": "bigint", **attr_types,
                                  "source_updated_at": "timestamptz", "valid_from": "timestamptz"})
    pg_io.write_frame(wh, "tmp_insert", plan.insert)
    wh.execute(query("crm/load/customers/insert_versions.sql", columns=_identifiers(
        ["customer_id", *transforms.ATTRIBUTES, "source_updated_at", "valid_from"])))
    return {"versions_opened": len(plan.insert), "versions_closed": len(plan.close),
            "versions_updated": len(plan.update)}
