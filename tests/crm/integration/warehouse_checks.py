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
            "SELECT source_id FROM audit.quarantine WHERE source_table = %s AND released_at IS NULL", (f"crm.{table}",)))
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


def snapshot(world, *, surrogate_keys: bool = True, marts: bool = False) -> dict[str, str]:
    """Content fingerprint of the core tables, open quarantine and watermarks (run ids left
    out). Without surrogate_keys the key values are left out too: a killed transaction consumes
    sequence numbers, so keys may differ while meaning the same rows."""
    drop = "'run_id'" + ("" if surrogate_keys else " - 'customer_key' - 'product_key'")
    out = {}
    for table in CORE_TABLES:
        out[table] = world.wh(
            f"SELECT count(*) || ':' || coalesce(md5(string_agg(r, '|' ORDER BY r)), '') "
            f"FROM (SELECT (to_jsonb(t) - {drop})::text AS r FROM core.{table} t) s")[0][0]
    out["open_quarantine"] = world.wh(
        "SELECT count(*) || ':' || coalesce(md5(string_agg(r, '|' ORDER BY r)), '') FROM ("
        "SELECT concat_ws(',', source_table, source_id, reasons::text, source_updated_at) AS r "
        "FROM audit.quarantine WHERE released_at IS NULL) s")[0][0]
    out["watermarks"] = str(world.wh("SELECT source_table, watermark FROM audit.watermarks ORDER BY 1"))
    for mart in ("customer_segments", "segment_summary", "segment_movement", "daily_sales") if marts else ():
        out[mart] = world.wh(f"SELECT md5(string_agg(to_jsonb(m)::text, '|' ORDER BY to_jsonb(m)::text)) "
                             f"FROM marts.{mart} m")[0][0]
    return out


def dimension_invariants(world) -> None:
    """Every canonical customer has exactly one current version, versions of a customer never
    overlap, and every order has a customer version and the date of its order_ts."""
    no_current = world.wh(
        "SELECT DISTINCT x.canonical_customer_id FROM core.customer_xref x WHERE NOT EXISTS ("
        "SELECT 1 FROM core.dim_customer d WHERE d.customer_id = x.canonical_customer_id AND d.is_current)")
    assert not no_current, f"canonical customers without a current version: {no_current[:5]}"
    overlaps = world.wh(
        "SELECT a.customer_id FROM core.dim_customer a JOIN core.dim_customer b "
        "ON a.customer_id = b.customer_id AND a.customer_key < b.customer_key "
        "AND a.valid_from < b.valid_to AND b.valid_from < a.valid_to")
    assert not overlaps, f"overlapping versions: {overlaps[:5]}"
    dangling = world.wh(
        "SELECT f.order_id FROM core.fact_orders f LEFT JOIN core.dim_customer d USING (customer_key) "
        "WHERE d.customer_key IS NULL")
    assert not dangling, f"orders without a customer version: {dangling[:5]}"
    stale_lines = world.wh(
        "SELECT l.order_item_id FROM core.fact_order_lines l JOIN core.fact_orders o USING (order_id) "
        "WHERE (l.customer_key, l.date_key) IS DISTINCT FROM (o.customer_key, o.date_key)")
    assert not stale_lines, f"lines whose keys differ from their order's: {stale_lines[:5]}"
    wrong_amounts = world.wh(
        "SELECT o.order_id FROM core.fact_orders o LEFT JOIN core.fact_order_lines l USING (order_id) "
        "GROUP BY o.order_id, o.gross_amount, o.net_amount, o.discount_amount "
        "HAVING o.gross_amount <> coalesce(sum(l.line_amount), 0) "
        "OR o.net_amount <> coalesce(sum(l.line_amount), 0) - o.discount_amount")
    assert not wrong_amounts, f"orders whose amounts disagree with their lines: {wrong_amounts[:5]}"
