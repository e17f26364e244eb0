"""Latency of every query the segments page and the Task analytics page run (p50 / p95 over
repeated runs), through the same functions the pages' routes call, on one warm connection."""

from __future__ import annotations

import datetime as dt
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
    # two decimals: on a tiny world a query can take well under 0.05 ms
    return {"p50_ms": round(statistics.median(samples), 2),
            "p95_ms": round(samples[min(len(samples) - 1, int(0.95 * len(samples)))], 2), "runs": runs}


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


def taskflow(warehouse: str, runs: int = 30) -> list[dict]:
    """Every query of the Task analytics page, as its routes call them (include/taskflow/analytics_page)."""
    from include.taskflow.analytics_page import filters as tf_filters
    from include.taskflow.analytics_page import queries as tf_queries

    with tf_queries.connect(warehouse) as conn:
        choices = tf_queries.choices(conn)
        day = tf_filters.night(None, choices)
        team, category = choices.teams[0], choices.categories[0]
        night = tf_filters.health_filter(None, None, [], [], choices, day)
        one_team = tf_filters.health_filter(None, None, [team], [], choices, day)
        one_category = tf_filters.health_filter(None, None, [], [category], choices, day)
        widest = tf_filters.health_filter((day - dt.timedelta(days=tf_filters.MAX_HEALTH_DAYS - 1)).isoformat(),
                                          None, [], [], choices, day)
        first = tf_filters.health_page(None, None, 1, None)
        by_name = tf_filters.health_page("name", "asc", 1, None)
        largest = tf_filters.health_page(None, None, 1, tf_filters.MAX_PAGE_SIZE)
        last = tf_filters.health_page("project_id", "asc", max(1, -(-tf_queries.project_health(
            conn, night, first)["total"] // first.page_size)), None)
        cases = {
            "choices (filter values)": lambda: tf_queries.choices(conn),
            "kpis": lambda: tf_queries.kpis(conn, day),
            "created vs completed, 90 days": lambda: tf_queries.created_vs_completed(conn, tf_filters.trend(day, choices)),
            "completion by project, 30 days": lambda: tf_queries.completion_by_project(
                conn, tf_filters.trailing(day, tf_filters.COMPLETION_DAYS)),
            "top users, 7 days": lambda: tf_queries.top_users(conn, day),
            "project health, night, by overdue, page 1": lambda: tf_queries.project_health(conn, night, first),
            f"project health, team {team}": lambda: tf_queries.project_health(conn, one_team, first),
            f"project health, category {category}": lambda: tf_queries.project_health(conn, one_category, first),
            f"project health, {tf_filters.MAX_HEALTH_DAYS} days, by name": lambda: tf_queries.project_health(
                conn, widest, by_name),
            f"project health, night, {tf_filters.MAX_PAGE_SIZE} rows": lambda: tf_queries.project_health(
                conn, night, largest),
            f"project health, night, by id, last page ({last.page})": lambda: tf_queries.project_health(
                conn, night, last),
        }
        return [{"query": name, **_timed(fn, runs)} for name, fn in cases.items()]


def taskflow_export_seconds(warehouse: str) -> dict:
    """The largest export of the Task analytics page: the project health table over its widest
    range of snapshots, start to last byte."""
    from include.taskflow.analytics_page import filters as tf_filters
    from include.taskflow.analytics_page import queries as tf_queries

    with tf_queries.connect(warehouse) as conn:
        choices = tf_queries.choices(conn)
    day = tf_filters.night(None, choices)
    health = tf_filters.health_filter((day - dt.timedelta(days=tf_filters.MAX_HEALTH_DAYS - 1)).isoformat(),
                                      None, [], [], choices, day)
    params = {"health": health, "page": tf_filters.health_page(None, None, 1, 1)}
    started = time.perf_counter()
    size = rows = 0
    for chunk in tf_queries.export_chunks("project_health", params, info=warehouse):
        size += len(chunk)
        rows += chunk.count(b"\r\n")
    return {"view": "project_health", "snapshots": f"{health.date_from}..{health.date_to}", "rows": rows - 1,
            "mb": round(size / 1e6, 2), "seconds": round(time.perf_counter() - started, 3)}
