"""Column profiles, chunk by chunk: rows, nulls, distinct values, min, max, mean, top values;
the distinct count exact up to the sketch's size and estimated beyond; drift against the median
of a column's earlier profiles."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest

from include.warehouse_kit import profiling
from include.warehouse_kit.profiling import ColumnProfile, DistinctSketch, Profiler

TYPES = {"id": "bigint", "price": "numeric", "status": "text", "email": "text", "at": "timestamptz",
         "day": "date", "flag": "boolean"}


def _frame(rows: list[tuple]) -> pd.DataFrame:
    frame = pd.DataFrame(rows, columns=list(TYPES))
    return frame.astype({"id": "Int64", "price": "float64", "status": "str", "email": "str", "flag": "boolean"}).assign(
        at=pd.to_datetime(frame["at"], utc=True))


ROWS = [
    (1, 10.0, "paid", "a@x.io", "2026-10-05T08:00:00Z", dt.date(2026, 10, 5), True),
    (2, None, "paid", "b@x.io", "2026-10-05T09:30:00Z", dt.date(2026, 10, 4), False),
    (3, 2.5, "shipped", None, None, None, True),
    (3, 2.5, None, "c@x.io", "2026-10-04T23:00:00Z", dt.date(2026, 10, 5), None),
]


def _by_column(profiler: Profiler) -> dict[str, ColumnProfile]:
    return {p.column: p for p in profiler.profiles()}


def test_a_batch_profile_counts_rows_nulls_distinct_values_and_bounds_per_column():
    profiler = Profiler(TYPES)
    profiler.add(_frame(ROWS))
    p = _by_column(profiler)
    assert (p["id"].rows, p["id"].nulls, p["id"].distinct, p["id"].minimum, p["id"].maximum) == (4, 0, 3, "1", "3")
    assert p["id"].mean == pytest.approx(9 / 4) and p["id"].distinct_share == 0.75
    assert (p["price"].nulls, p["price"].null_rate, p["price"].distinct, p["price"].mean) == (1, 0.25, 2, 5.0)
    assert (p["status"].distinct, p["status"].minimum, p["status"].maximum) == (2, "paid", "shipped")
    assert p["status"].top_values == [("paid", 2), ("shipped", 1)] and p["status"].mean is None
    assert (p["at"].nulls, p["at"].minimum, p["at"].maximum) == (
        1, "2026-10-04T23:00:00+00:00", "2026-10-05T09:30:00+00:00")
    assert (p["day"].distinct, p["day"].minimum, p["day"].maximum) == (2, "2026-10-04", "2026-10-05")
    assert p["flag"].top_values == [("True", 2), ("False", 1)] and p["flag"].null_rate == 0.25
    assert all(q.distinct_exact for q in p.values())


def test_profiling_in_chunks_gives_the_profile_of_the_whole_batch():
    whole, chunked = Profiler(TYPES), Profiler(TYPES)
    whole.add(_frame(ROWS))
    chunked.add(_frame(ROWS[:1]))
    chunked.add(_frame(ROWS[1:3]))
    chunked.add(_frame(ROWS[3:]))
    assert chunked.profiles() == whole.profiles()


def test_a_nearly_unique_text_column_gets_no_top_values():
    emails = pd.DataFrame({"email": pd.Series([f"user{i}@example.com" for i in range(profiling.TOP_VALUES_UP_TO + 1)],
                                              dtype="str")})
    profiler = Profiler({"email": "text"})
    profiler.add(emails)
    [p] = profiler.profiles()
    assert p.top_values is None and p.distinct == profiling.TOP_VALUES_UP_TO + 1


def test_top_values_are_the_five_most_frequent_ties_by_value():
    values = ["d"] * 3 + ["b"] * 3 + ["a"] * 2 + ["c"] * 2 + ["e", "f", "g"]
    profiler = Profiler({"v": "text"})
    profiler.add(pd.DataFrame({"v": pd.Series(values, dtype="str")}))
    assert profiler.profiles()[0].top_values == [("b", 3), ("d", 3), ("a", 2), ("c", 2), ("e", 1)]


def test_the_distinct_count_is_exact_up_to_the_sketch_size_and_estimated_beyond():
    exact = DistinctSketch(size=256)
    exact.add(profiling._mix(np.arange(256, dtype=np.uint64)))
    exact.add(profiling._mix(np.arange(100, 256, dtype=np.uint64)))  # seen again: no change
    assert (exact.count(), exact.exact) == (256, True)

    estimated = DistinctSketch(size=1024)
    for start in range(0, 200_000, 20_000):
        estimated.add(profiling._mix(np.arange(start, start + 20_000, dtype=np.uint64)))
    assert not estimated.exact
    assert estimated.count() == pytest.approx(200_000, rel=0.1)  # a 1,024-hash sketch: about 3 % off


def test_equal_strings_hash_alike_and_different_ones_apart_wherever_they_sit_in_the_array():
    values = pa.array(["", "a", "ab", "ba", "aa", "é", "ab" * 40, "ab" * 40 + "c", "x", "ab"], type=pa.large_string())
    hashes = profiling.text_hashes(values)
    assert hashes[2] == hashes[9]
    assert len(set(hashes.tolist())) == 9
    assert profiling.text_hashes(values.slice(2, 3)).tolist() == hashes[2:5].tolist()


def test_strings_that_differ_only_past_a_word_or_by_trailing_zero_bytes_hash_apart():
    values = ["abcdefgh", "abcdefghi", "abcdefgi", "bacdefgh", "a", "a\x00", "a\x00\x00", "\x00", "",
              "12345678" * 3, "12345678" * 2 + "12345679", "87654321" + "12345678" * 2]
    hashes = profiling.text_hashes(pa.array(values, type=pa.large_string()))
    assert len(set(hashes.tolist())) == len(values)


def test_a_large_chunk_keeps_exactly_the_smallest_distinct_hashes():
    rng = np.random.default_rng(3)
    ids = rng.integers(0, 60_000, size=50_000)  # many repeats, about 34k distinct
    hashes = profiling._mix(ids.astype(np.uint64))
    sketch = DistinctSketch(size=1024)
    sketch.add(hashes)
    assert not sketch.exact
    assert sketch.hashes.tolist() == np.unique(hashes)[:1024].tolist()


def test_chunks_of_instants_shared_by_a_few_rows_keep_exactly_the_smallest_distinct_hashes():
    rng = np.random.default_rng(5)
    instants = rng.integers(0, 10**12, size=40_000)
    instants[::10] = instants[1::10]  # one row in ten repeats its neighbour's instant
    hashes = profiling._mix(instants.astype(np.uint64))
    sketch = DistinctSketch(size=1024)
    sketch.add(hashes[:20_000])
    sketch.add(hashes[20_000:])
    assert sketch.hashes.tolist() == np.unique(hashes)[:1024].tolist()


def test_a_large_chunk_of_few_values_is_counted_exactly():
    sketch = DistinctSketch(size=1024)
    sketch.add(profiling._mix(np.arange(50_000, dtype=np.uint64) % 700))
    assert (sketch.count(), sketch.exact) == (700, True)
    exactly_full = DistinctSketch(size=1024)
    exactly_full.add(profiling._mix(np.arange(50_000, dtype=np.uint64) % 1024))
    assert (exactly_full.count(), exactly_full.exact) == (1024, True)


def _profile(null_rate: float, share: float | None = 0.5, rows: int = 1000) -> ColumnProfile:
    nulls = round(null_rate * rows)
    distinct = 0 if share is None else round(share * (rows - nulls))
    return ColumnProfile("email", "text", rows, nulls, distinct, True, None, None, None, None)


SETTINGS = profiling.DRIFT_DEFAULTS


def test_a_null_rate_jump_from_2_to_40_percent_drifts_against_the_median_of_14_profiles():
    history = {"email": [(0.02, 0.5)] * 13 + [(0.5, 0.5)]}  # one odd night does not move the median
    [drift] = profiling.drifts([_profile(0.40)], history, SETTINGS)
    assert (drift.column, drift.measure, drift.value, drift.median, drift.profiles) == (
        "email", "null_rate", 0.40, 0.02, 14)


def test_moves_within_the_allowed_amounts_do_not_drift():
    history = {"email": [(0.02, 0.5)] * 14}
    assert profiling.drifts([_profile(0.12, 0.74)], history, SETTINGS) == []
    [drift] = profiling.drifts([_profile(0.02, 0.80)], history, SETTINGS)
    assert drift.measure == "distinct_share"


def test_too_few_earlier_profiles_give_no_verdict():
    assert profiling.drifts([_profile(0.9)], {"email": [(0.0, 0.5)] * 2}, SETTINGS) == []
    assert profiling.drifts([_profile(0.9)], {}, SETTINGS) == []


def test_drift_settings_come_from_the_environment(monkeypatch):
    monkeypatch.setenv("ETL_PROFILE_DRIFT", '{"null_rate": 0.05}')
    assert profiling.drift_settings()["null_rate"] == 0.05
    monkeypatch.setenv("ETL_PROFILE_DRIFT", '{"null_share": 0.05}')
    with pytest.raises(ValueError, match="unknown settings"):
        profiling.drift_settings()


def test_a_column_as_distinct_as_its_rows_gets_no_top_values_however_few():
    profiler = Profiler({"name": "text", "status": "text"})
    profiler.add(pd.DataFrame({"name": pd.Series(["Ann", "Bo", "Cy", "Di", "Ed"], dtype="str"),
                               "status": pd.Series(["paid", "paid", "new", "paid", "new"], dtype="str")}))
    name, status = profiler.profiles()
    assert name.top_values is None and status.top_values == [("paid", 3), ("new", 2)]


def test_a_nearly_unique_text_column_hashes_every_value_and_counts_as_a_few_valued_one_does():
    chunks = [pd.DataFrame({"v": pd.Series([f"value-{i % 700}" for i in range(start, start + 2000)], dtype="str")})
              for start in range(0, 6000, 2000)]
    few, unique = Profiler({"v": "text"}), Profiler({"v": "text"})
    for chunk in chunks:
        few.add(chunk)
    unique.stats["v"].nearly_unique = True  # as a column whose first rows all differ
    for chunk in chunks:
        unique.add(chunk)
    assert few.stats["v"].nearly_unique is False  # 700 values in the first 2,000 rows
    assert [(p.distinct, p.distinct_exact, p.minimum, p.maximum) for p in (*few.profiles(), *unique.profiles())] == [
        (700, True, "value-0", "value-99")] * 2


def test_hashes_the_caller_made_of_a_nearly_unique_text_column_give_the_same_profile():
    ids = pd.Series([f"evt-{i:06d}" if i % 7 else None for i in range(5000)], dtype="str")
    frame = pd.DataFrame({"event_id": ids})
    own, given = Profiler({"event_id": "text"}), Profiler({"event_id": "text"})
    own.add(frame)
    given.add(frame, hashed={"event_id": profiling.text_hashes(pa.array(ids.dropna(), type=pa.large_string()))})
    assert given.stats["event_id"].nearly_unique is True  # the branch that takes the hashes
    assert given.profiles() == own.profiles()
    assert given.profiles()[0].distinct == 5000 - len(range(0, 5000, 7))
