"""Integration tests of devtools.demo_crm against the embedded PostgreSQL."""

from __future__ import annotations

import datetime as dt
import os
import uuid
from collections.abc import Iterator

import psycopg
import pytest
from psycopg import sql
from psycopg.conninfo import conninfo_to_dict, make_conninfo

from devtools import demo_crm as d
from devtools.demo_crm import volumes

END = dt.date(2026, 11, 20)
DAYS = [END, END + dt.timedelta(days=1), END + dt.timedelta(days=2)]
TABLES = ("customers", "products", "orders", "order_items")
CUSTOMERS = 500
# 500 customers make ~7 orders a day; raise the late-customer rate so that tick D1 surely
# creates orphan orders whose customers must arrive with tick D2.
LATE_RATE = 0.8


def _recreate(admin_uri: str, name: str, *, drop_only: bool = False) -> str:
    with psycopg.connect(admin_uri, autocommit=True) as conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
        if not drop_only:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    params = conninfo_to_dict(admin_uri)
    params["dbname"] = name
    return make_conninfo("", **params)


def _one(uri: str, query: str, params: tuple = ()) -> tuple:
    with psycopg.connect(uri) as conn:
        return conn.execute(query, params).fetchone()


def _checksums(uri: str) -> dict[str, str]:
    with psycopg.connect(uri) as conn:
        return {t: conn.execute(f"SELECT md5(string_agg(t::text, '|' ORDER BY {d.PRIMARY_KEYS[t]})) "
                                f"FROM crm.{t} t").fetchone()[0] for t in TABLES}


def _missing_customers(uri: str) -> list[int]:
    with psycopg.connect(uri) as conn:
        rows = conn.execute("SELECT DISTINCT customer_id FROM crm.orders o WHERE NOT EXISTS "
                            "(SELECT 1 FROM crm.customers c WHERE c.customer_id = o.customer_id) "
                            "ORDER BY 1").fetchall()
    return [r[0] for r in rows]


def _build(uri: str, record: dict | None = None) -> None:
    counts = d.init(uri, customers=CUSTOMERS, seed=42, end_date=END, progress=False)
    if record is not None:
        record["init"] = counts
        record["max_ts_after_init"] = {
            t: _one(uri, f"SELECT max(updated_at), max(created_at) FROM crm.{t}") for t in TABLES}
        record["max_order_ts"] = _one(uri, "SELECT max(order_ts) FROM crm.orders")[0]
        record["max_deleted_at"] = _one(uri, "SELECT max(deleted_at) FROM crm.customers")[0]
        record["missing_after_init"] = _missing_customers(uri)
        record["ticks"], record["windows"], record["missing"] = [], [], []
    for day in DAYS:
        res = d.tick(uri, day=day, seed=42)
        if record is not None:
            record["ticks"].append(res)
            lo = dt.datetime(day.year, day.month, day.day, tzinfo=dt.UTC)
            record["windows"].append({t: _one(uri, f"SELECT count(*), count(*) FILTER (WHERE updated_at >= %s), "
                                                   f"min(updated_at) FILTER (WHERE updated_at >= %s), max(updated_at), "
                                                   f"count(*) FILTER (WHERE updated_at < created_at) FROM crm.{t}",
                                           (lo, lo)) for t in TABLES})
            record["missing"].append(_missing_customers(uri))


@pytest.fixture(scope="module")
def built(admin_uri) -> Iterator[dict]:
    tag = f"{os.getpid()}_{uuid.uuid4().hex[:8]}"
    names = [f"test_demo_crm_{tag}_a", f"test_demo_crm_{tag}_b"]
    record: dict = {}
    try:
        with pytest.MonkeyPatch.context() as mp:
            mp.setattr(volumes, "LATE_CUSTOMER_RATE", LATE_RATE)
            uris = [_recreate(admin_uri, n) for n in names]
            _build(uris[0], record)
            _build(uris[1])
        record["uris"] = uris
        yield record
    finally:
        for n in names:
            _recreate(admin_uri, n, drop_only=True)


def test_init_counts_and_history_bounds(built) -> None:
    assert all(v > 0 for v in built["init"].values())
    assert built["init"]["customers"] >= CUSTOMERS
    end = dt.datetime(END.year, END.month, END.day, tzinfo=dt.UTC)
    for upd, created in built["max_ts_after_init"].values():
        assert upd < end and created < end
    assert built["max_order_ts"] < end
    assert built["max_deleted_at"] < end
    assert built["missing_after_init"] == []


def test_ticks_stay_inside_their_day(built) -> None:
    for day, res, window in zip(DAYS, built["ticks"], built["windows"], strict=True):
        lo = dt.datetime(day.year, day.month, day.day, tzinfo=dt.UTC)
        hi = lo + dt.timedelta(days=1)
        assert res["new_orders"] > 0 and res["status_changes"] > 0
        for table, (total, changed, first, last, backwards) in window.items():
            assert backwards == 0, table
            assert total > 0
            if changed:
                assert lo <= first and last < hi, (table, first, last)
        assert window["orders"][1] >= res["new_orders"]
        assert window["order_items"][1] >= res["new_order_items"]


def test_late_customers_arrive_with_next_tick(built) -> None:
    t1, t2, _ = built["ticks"]
    missing_d1 = built["missing"][0]
    assert t1["orphan_orders"] > 0
    assert len(missing_d1) == t1["orphan_orders"]
    assert t2["late_customers"] == len(missing_d1)
    assert not set(missing_d1) & set(built["missing"][1])
    uri = built["uris"][0]
    lo = dt.datetime(DAYS[1].year, DAYS[1].month, DAYS[1].day, tzinfo=dt.UTC)
    with psycopg.connect(uri) as conn:
        rows = conn.execute("SELECT c.customer_id, c.created_at, c.updated_at, min(o.created_at) "
                            "FROM crm.customers c JOIN crm.orders o USING (customer_id) "
                            "WHERE c.customer_id = ANY(%s) GROUP BY 1, 2, 3", (missing_d1,)).fetchall()
    assert len(rows) == len(missing_d1)
    for _, created, updated, first_order in rows:
        assert lo <= created == updated < lo + dt.timedelta(days=1)
        assert first_order < lo


def test_same_seed_same_database(built) -> None:
    a, b = (_checksums(u) for u in built["uris"])
    assert a == b
    assert all(a.values())


def test_tick_twice_is_refused(built) -> None:
    with pytest.raises(d.TickAlreadyAppliedError):
        d.tick(built["uris"][0], day=DAYS[-1], seed=42)
    assert _checksums(built["uris"][0]) == _checksums(built["uris"][1])
