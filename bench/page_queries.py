"""Latency of every query the segments page runs (p50 / p95 over repeated runs), through the
same functions the page's routes call, on one warm connection."""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable

import psycopg

from include.crm.segments_page import filters, queries


def _timed(fn: Callable[[], object], runs: int) -> dict:
    fn()  # warm the plan and cache
    samples = []
    for _ in range(runs):
        started = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - started) * 1000)
    samples.sort()
    return {"p50_ms": round(statistics.median(samples), 1),
            "p95_ms": round(samples[min(len(samples) - 1, int(0.95 * len(samples)))], 1), "runs": runs}


def measure(warehouse: str, runs: int = 40) -> list[dict]:
    with queries.connect(warehouse) as conn:
        choices = queries.choices(conn)
        day = choices.as_of_dates[0]
        country = choices.countries[0]
        sales = filters.sales_filter(None, None, [], [], choices, day)
        one_country = filters.sales_filter(None, None, [country], ["web"], choices, day)
        year = filters.sales_filter((day.replace(year=day.year - 1)).isoformat(), None, [], [], choices, day)
        largest = conn.execute("SELECT segment FROM marts.segment_summary WHERE as_of_date = %s "
                               "ORDER BY customers DESC LIMIT 1", (day,)).fetchone()[0]
        first = filters.customer_page(None, None, 1, 50)
        by_recency = filters.customer_page("recency_days", "asc", 1, 50)
        deep = filters.customer_page("customer_id", "asc", 2000, 50)
        cases = {
            "choices (filter values)": lambda: queries.choices(conn),
            "kpis": lambda: queries.kpis(conn, day),
            "segment_summary": lambda: queries.segment_summary(conn, day),
            "segment_movement": lambda: queries.segment_movement(conn, day),
            "daily_sales trend, 90 days, all": lambda: queries.sales_trend(conn, sales),
            f"daily_sales trend, 90 days, {country} + web": lambda: queries.sales_trend(conn, one_country),
            "daily_sales trend, 365 days, all": lambda: queries.sales_trend(conn, year),
            f"customers, {largest}, by monetary, page 1": lambda: queries.customers(conn, day, largest, first),
            "customers, all, by recency, page 1": lambda: queries.customers(conn, day, None, by_recency),
            "customers, all, by id, page 2000": lambda: queries.customers(conn, day, None, deep),
        }
        return [{"query": name, **_timed(fn, runs)} for name, fn in cases.items()]


def export_seconds(warehouse: str) -> dict:
    """The largest export (every customer of the latest snapshot), start to last byte."""
    with psycopg.connect(warehouse) as conn:
        day = conn.execute("SELECT max(as_of_date) FROM marts.customer_segments").fetchone()[0]
    params = {"as_of_date": day, "segment": None, "page": filters.customer_page("customer_id", "asc", 1, 1)}
    started = time.perf_counter()
    size = rows = 0
    for chunk in queries.export_chunks("customer_segments", params, info=warehouse):
        size += len(chunk)
        rows += chunk.count(b"\r\n")
    return {"view": "customer_segments", "rows": rows - 1, "mb": round(size / 1e6, 1),
            "seconds": round(time.perf_counter() - started, 2)}
