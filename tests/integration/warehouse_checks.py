"""Assertions over a test world's warehouse, shared by the integration tests."""

from __future__ import annotations

import datetime as dt
from collections import Counter

CORE_KEYS = {
    "customers": ("customer_id", "SELECT customer_id FROM core.customer_xref"),
    "products": ("product_id", "SELECT product_id FROM core.dim_product WHERE NOT is_inferred"),
    "orders": ("order_id", "SELECT order_id FROM core.fact_orders"),
    "order_items": ("order_item_id", "SELECT order_item_id FROM core.fact_order_lines"),
}
CORE_TABLES = ("customer_xref", "dim_customer", "dim_product", "dim_date", "fact_orders", "fact_order_lines")


def conservation(world, through: dt.datetime) -> dict[str, dict[str, int]]:
    """Every source row extracted so far (updated_at < through) is in exactly one place:
    its core table (by natural key) or open quarantine. Returns the counts per table."""
    counts = {}
    for table, (key, core_query) in CORE_KEYS.items():
        source = Counter(r[0] for r in world.src(
            f"SELECT {key} FROM crm.{table} WHERE updated_at < %s", (through,)))
        core = Counter(r[0] for r in world.wh(core_query))
        quarantined = Counter(r[0] for r in world.wh(
            "SELECT source_id FROM audit.quarantine WHERE source_table = %s AND released_at IS NULL", (table,)))
        placed = core + quarantined
        missing = source - placed
        twice = {k: n for k, n in placed.items() if n > 1}
        extra = placed - source
        assert not missing, f"{table}: {len(missing)} source rows in neither place, e.g. {list(missing)[:5]}"
        assert not twice, f"{table}: rows counted twice, e.g. {list(twice)[:5]}"
        assert not extra, f"{table}: rows in the warehouse that were never extracted, e.g. {list(extra)[:5]}"
        assert sum(source.values()) == sum(core.values()) + sum(quarantined.values())
        counts[table] = {"source": sum(source.values()), "core": sum(core.values()),
                         "quarantined": sum(quarantined.values())}
    return counts


def snapshot(world) -> dict[str, str]:
    """Content fingerprint of the core tables and of open quarantine (run ids left out)."""
    out = {}
    for table in CORE_TABLES:
        out[table] = world.wh(
            f"SELECT count(*) || ':' || coalesce(md5(string_agg(r, '|' ORDER BY r)), '') "
            f"FROM (SELECT (to_jsonb(t) - 'run_id')::text AS r FROM core.{table} t) s")[0][0]
    out["open_quarantine"] = world.wh(
        "SELECT count(*) || ':' || coalesce(md5(string_agg(r, '|' ORDER BY r)), '') FROM ("
        "SELECT concat_ws(',', source_table, source_id, reasons::text, source_updated_at) AS r "
        "FROM audit.quarantine WHERE released_at IS NULL) s")[0][0]
    out["watermarks"] = str(world.wh("SELECT source_table, watermark FROM audit.watermarks ORDER BY 1"))
    return out
