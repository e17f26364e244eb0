"""A 1M-row CSV export streams in constant memory: the generator behind
GET /segments/export/customer_segments.csv, measured with tracemalloc while it runs."""

from __future__ import annotations

import datetime as dt
import tracemalloc

import psycopg
import pytest

from include.crm.segments_page import filters, queries
from include.warehouse_kit.sql_files import query

ROWS = 1_000_000


@pytest.fixture(scope="module")
def big_snapshot(module_worlds):
    info, _ = module_worlds.database("t_wh_big")
    with psycopg.connect(info, autocommit=True) as conn:
        for name in ("crm/bootstrap/create_staging", "crm/bootstrap/create_core", "crm/bootstrap/create_marts",
                     "kit/bootstrap/create_audit"):
            conn.execute(query(f"{name}.sql"))
        conn.execute("""
            INSERT INTO marts.customer_segments
            SELECT '2026-10-05', g, g %% 400, 1 + g %% 30, round((g %% 100000) / 7.0, 2), 1 + g %% 5, 1 + g %% 5,
                   1 + g %% 5, (ARRAY['champion', 'loyal', 'at_risk', 'hibernating'])[1 + g %% 4]
            FROM generate_series(1, %s) g""", (ROWS,))
        conn.execute("INSERT INTO marts.segment_summary VALUES ('2026-10-05', 'loyal', %s, 1, 0, NULL, NULL)",
                     (ROWS,))
    return info


def test_a_million_row_export_streams_in_constant_memory(big_snapshot):
    params = {"as_of_date": dt.date(2026, 10, 5), "segment": None,
              "page": filters.customer_page("customer_id", "asc", 1, 1)}
    tracemalloc.start()
    try:
        baseline = tracemalloc.get_traced_memory()[0]
        records, size, first = 0, 0, b""
        for chunk in queries.export_chunks("customer_segments", params, info=big_snapshot):
            first = first or chunk
            records += chunk.count(b"\r\n")
            size += len(chunk)
        peak = tracemalloc.get_traced_memory()[1] - baseline
    finally:
        tracemalloc.stop()
    assert records == ROWS + 1
    assert first.startswith(b"\xef\xbb\xbfas_of_date,customer_id,")
    assert size > 40_000_000
    # The whole file would be > 40 MB and its rows as Python tuples several times that.
    assert peak < 12_000_000, f"peak {peak / 1e6:.1f} MB while streaming {size / 1e6:.0f} MB"
