"""Column profiles of every staged batch, and drift against a column's recent profiles.

A `Profiler` takes a batch chunk by chunk (the frames validation already reads) and keeps, per
column: rows, nulls, distinct values, min and max; numeric columns also their mean; text and
boolean columns with few distinct values also their top 5 values. Memory stays flat:
- distinct values are counted on 64-bit hashes, exactly up to `EXACT_DISTINCT` of them;
  beyond, the count is estimated from the `EXACT_DISTINCT` smallest hashes (a KMV sketch,
  about 1 % off) and `distinct_exact` says so. A text column hashes its distinct strings, or,
  when its first rows are nearly all different (an email, an event id), every string;
- value counts are kept only while a column has at most `TOP_VALUES_UP_TO` distinct values,
  and a nearly unique column (distinct share from `NEARLY_UNIQUE`: an email, an event id)
  gets no top values.

`record` writes audit.column_profile (one row per column of the run's batch); `check_drift`
compares each column's null rate and distinct share (distinct / non-null rows) with the median
of its last 14 profiles and logs `<table>.<column>.drift` as a warn when one moved by more than
the configured amount, and `<table>.drift` as the table's verdict.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import os
import statistics
import time
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import psycopg
import pyarrow as pa
import pyarrow.compute as pc

from include.warehouse_kit import quality
from include.warehouse_kit.run_context import RunContext
from include.warehouse_kit.sql_files import query

log = logging.getLogger(__name__)

EXACT_DISTINCT = 16_384
UNIQUE_PROBE_ROWS = 2_000  # a text column's first rows, to judge whether it is nearly unique
TOP_VALUES_UP_TO = 50
NEARLY_UNIQUE = 0.9  # a distinct share from which a column gets no top values
TOP = 5
NUMERIC, TEMPORAL, TEXT, BOOLEAN = "numeric", "temporal", "text", "boolean"
KINDS = {"bigint": NUMERIC, "integer": NUMERIC, "numeric": NUMERIC, "timestamptz": TEMPORAL, "date": TEMPORAL,
         "text": TEXT, "boolean": BOOLEAN}

DRIFT_ENV = "ETL_PROFILE_DRIFT"
DRIFT_DEFAULTS = {"null_rate": 0.10, "distinct_share": 0.25, "history": 14, "min_profiles": 3}

def _mix(x: np.ndarray) -> np.ndarray:
    """splitmix64's finalizer: every input bit reaches every output bit."""
    x = x.astype(np.uint64, copy=True)
    with np.errstate(over="ignore"):
        x ^= x >> np.uint64(30)
        x *= np.uint64(0xBF58476D1CE4E5B9)
        x ^= x >> np.uint64(27)
        x *= np.uint64(0x94D049BB133111EB)
        x ^= x >> np.uint64(31)
    return x


_GOLDEN = np.uint64(0x9E3779B97F4A7C15)
_LENGTH = np.uint64(0xC2B2AE3D27D4EB4F)
# a string's last word keeps its first `r` bytes (little-endian): _TAIL[r] for r = 0..8
_TAIL = np.array([(1 << (8 * r)) - 1 for r in range(8)] + [2**64 - 1], dtype=np.uint64)


def text_hashes(values: pa.Array) -> np.ndarray:
    """A 64-bit hash of each string of a non-null arrow string array, from its UTF-8 bytes read
    eight at a time: each word is mixed with its place in the string, the words of a string are
    summed, and the sum is mixed with the length. Work and memory follow the bytes."""
    if isinstance(values, pa.ChunkedArray):
        values = values.combine_chunks()
    values = values.cast(pa.large_string())
    offsets = np.frombuffer(values.buffers()[1], dtype=np.int64)[values.offset: values.offset + len(values) + 1]
    begin, end = int(offsets[0]), int(offsets[-1])
    data = np.zeros(end - begin + 8, dtype=np.uint8)  # 8 bytes of padding: every word can be read whole
    if end > begin:
        data[: end - begin] = np.frombuffer(values.buffers()[2], dtype=np.uint8)[begin:end]
    # the 8 bytes from every byte on, as one little-endian word (an unaligned view, no copy)
    words = np.ndarray(shape=(len(data) - 7,), dtype="<u8", buffer=data, strides=(1,))
    starts, lengths = offsets[:-1] - begin, np.diff(offsets)
    counts = (lengths + 7) // 8
    firsts = np.cumsum(counts) - counts  # each string's first word among all words
    place = np.arange(int(counts.sum()), dtype=np.int64) - np.repeat(firsts, counts)
    word = words[np.repeat(starts, counts) + 8 * place]
    filled = counts > 0
    word[(firsts + counts - 1)[filled]] &= _TAIL[(lengths - 8 * (counts - 1))[filled]]
    out = np.zeros(len(values), dtype=np.uint64)
    with np.errstate(over="ignore"):
        if len(word):
            out[filled] = np.add.reduceat(_mix(word ^ (place.astype(np.uint64) * _GOLDEN)), firsts[filled])
        out ^= lengths.astype(np.uint64) * _LENGTH
    return _mix(out)


@dataclass
class DistinctSketch:
    """The smallest `size` distinct hashes seen: an exact count up to `size`, an estimate beyond."""

    size: int = EXACT_DISTINCT
    hashes: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.uint64))
    saturated: bool = False

    def add(self, hashes: np.ndarray) -> None:
        """Take a chunk's hashes, repeats allowed: once full, only the few below the largest
        kept hash are looked at again."""
        if self.saturated:
            hashes = hashes[hashes < self.hashes[-1]]
        if len(hashes) > 3 * self.size and self._add_smallest(hashes):
            return
        hashes = pd.unique(hashes)
        if len(hashes) > self.size:
            hashes, self.saturated = np.partition(hashes, self.size - 1)[: self.size], True
        merged = np.union1d(self.hashes, hashes)
        if len(merged) > self.size:
            merged, self.saturated = merged[: self.size], True
        self.hashes = merged

    def _add_smallest(self, hashes: np.ndarray) -> bool:
        """A chunk of many more hashes than the sketch holds, mostly distinct (ids, instants,
        emails): its `size` smallest distinct hashes come from a partition and a sort of the few
        below a cut, instead of making every hash distinct. The cut is the (1.5 * size)-th
        smallest hash, room for repeats among the smallest (instants shared by a few rows).
        False for a chunk of many repeats (its first rows say so: a partition of few values
        is slow) or when the repeats leave fewer than `size` below the cut: then the general
        way is as cheap."""
        probe = hashes[:UNIQUE_PROBE_ROWS]
        if len(pd.unique(probe)) < NEARLY_UNIQUE * len(probe):
            return False
        cut = self.size + self.size // 2
        kth = np.partition(hashes, cut - 1)[cut - 1]
        below = hashes[hashes <= kth]
        if len(below) > 2 * cut:
            return False
        smallest = np.unique(below)
        if len(smallest) < self.size:
            return False
        # `size` distinct hashes up to kth, and the chunk holds larger ones: more than `size` distinct
        smallest = smallest[: self.size]
        merged = np.union1d(self.hashes, smallest)[: self.size] if len(self.hashes) else smallest
        self.hashes, self.saturated = merged, True
        return True

    @property
    def exact(self) -> bool:
        return not self.saturated

    def count(self) -> int:
        if not self.saturated:
            return len(self.hashes)
        # the k-th smallest of n uniform hashes sits near k / n of the range
        return round((self.size - 1) / ((float(self.hashes[-1]) + 1) / 2.0 ** 64))


@dataclass
class ColumnStats:
    kind: str
    rows: int = 0
    nulls: int = 0
    total: float = 0.0
    minimum: object = None
    maximum: object = None
    distinct: DistinctSketch = field(default_factory=DistinctSketch)
    counts: Counter | None = field(default_factory=Counter)
    nearly_unique: bool | None = None  # a text column's kind, judged on its first chunk


@dataclass(frozen=True)
class ColumnProfile:
    column: str
    kind: str
    rows: int
    nulls: int
    distinct: int
    distinct_exact: bool
    minimum: str | None
    maximum: str | None
    mean: float | None
    top_values: list[tuple[str, int]] | None

    @property
    def null_rate(self) -> float:
        return self.nulls / self.rows if self.rows else 0.0

    @property
    def distinct_share(self) -> float | None:
        present = self.rows - self.nulls
        return min(self.distinct / present, 1.0) if present else None


class Profiler:
    """Profiles the columns `types` (column -> contract type) of frames added one by one."""

    def __init__(self, types: Mapping[str, str]):
        self.stats = {column: ColumnStats(KINDS[kind]) for column, kind in types.items()}
        self.seconds = 0.0  # spent profiling, for the bench's budget (the run log's profile_ms)

    def add(self, frame: pd.DataFrame, hashed: Mapping[str, np.ndarray] | None = None) -> None:
        """`hashed`: text_hashes of a text column's non-null values, in order, when the caller
        has them for work of its own; they are not made again."""
        started = time.perf_counter()
        for column, stats in self.stats.items():
            _add(stats, frame[column], (hashed or {}).get(column))
        self.seconds += time.perf_counter() - started

    def profiles(self) -> list[ColumnProfile]:
        return [_profile(column, s) for column, s in self.stats.items()]


def _add(stats: ColumnStats, series: pd.Series, hashes: np.ndarray | None = None) -> None:
    values = series.dropna()
    stats.rows += len(series)
    stats.nulls += len(series) - len(values)
    if values.empty:
        return
    if stats.kind == BOOLEAN:
        trues = int(values.to_numpy(dtype=bool).sum())
        seen = {"True": trues, "False": len(values) - trues}
        stats.counts.update({v: n for v, n in seen.items() if n})
        low, high = min(k for k, n in seen.items() if n), max(k for k, n in seen.items() if n)
        stats.minimum = low if stats.minimum is None else min(stats.minimum, low)
        stats.maximum = high if stats.maximum is None else max(stats.maximum, high)
        return
    if stats.kind == TEXT:
        arrow = pa.array(values, type=pa.large_string())
        if stats.nearly_unique is None and len(arrow) >= UNIQUE_PROBE_ROWS:  # which way is cheaper
            sample = arrow.slice(0, UNIQUE_PROBE_ROWS)
            stats.nearly_unique = len(pc.unique(sample)) > NEARLY_UNIQUE * UNIQUE_PROBE_ROWS
        if stats.nearly_unique:  # hash every value: cheaper than finding the distinct strings
            stats.counts = None
            stats.distinct.add(text_hashes(arrow) if hashes is None else hashes)
        else:  # one pass gives the distinct strings and their counts
            counted = pc.value_counts(arrow)
            unique = counted.field("values")
            if stats.counts is not None and len(unique) <= TOP_VALUES_UP_TO:
                stats.counts.update(dict(zip(unique.to_pylist(), counted.field("counts").to_pylist(), strict=True)))
            if stats.counts is not None and len(stats.counts) > TOP_VALUES_UP_TO or len(unique) > TOP_VALUES_UP_TO:
                stats.counts = None
            stats.distinct.add(text_hashes(unique))
        low, high = pc.min_max(arrow).values()
        low, high = low.as_py(), high.as_py()
    else:
        numbers = _as_int64(values, stats.kind)
        stats.distinct.add(_mix(numbers.view(np.uint64)))
        if stats.kind == NUMERIC and numbers.dtype == np.int64 and pd.api.types.is_integer_dtype(values):
            stats.total += float(numbers.sum())
            low, high = int(numbers.min()), int(numbers.max())
        elif stats.kind == NUMERIC:
            floats = numbers.view(np.float64)
            stats.total += float(floats.sum())
            low, high = float(floats.min()), float(floats.max())
        elif _holds_dates(values):  # from the days, not by comparing a million date objects
            low, high = (_EPOCH + dt.timedelta(microseconds=int(n)) for n in (numbers.min(), numbers.max()))
        else:
            low, high = values.min(), values.max()
    stats.minimum = low if stats.minimum is None else min(stats.minimum, low)
    stats.maximum = high if stats.maximum is None else max(stats.maximum, high)


def _distinct(stats: ColumnStats) -> tuple[int, bool]:
    if stats.kind == BOOLEAN:
        return len(stats.counts), True
    return stats.distinct.count(), stats.distinct.exact


def _as_int64(values: pd.Series, kind: str) -> np.ndarray:
    """The values' 64 bits, one to one: integers as they are, floats by their bit pattern,
    instants and dates by their microseconds."""
    if kind == TEMPORAL:
        if pd.api.types.is_datetime64_any_dtype(values):
            return values.array.asi8  # the instants as they are held (no copy)
        if _holds_dates(values):  # calendar dates as the microseconds of their midnight
            days = pa.array(values, type=pa.date32()).to_numpy(zero_copy_only=False)
            return days.astype(np.int64) * _DAY_US
        return pd.to_datetime(values).to_numpy(dtype="datetime64[us]").view(np.int64)
    if pd.api.types.is_integer_dtype(values):
        return values.to_numpy(dtype=np.int64)
    return values.to_numpy(dtype=np.float64).view(np.int64)


_EPOCH = dt.date(1970, 1, 1)
_DAY_US = 86_400_000_000


def _holds_dates(values: pd.Series) -> bool:
    """A column of datetime.date objects (a SQL date), not of instants."""
    if values.dtype != object or values.empty:
        return False
    first = values.iloc[0]
    return isinstance(first, dt.date) and not isinstance(first, dt.datetime)


def _profile(column: str, s: ColumnStats) -> ColumnProfile:
    present = s.rows - s.nulls
    distinct, exact = _distinct(s)
    top = None
    if s.counts is not None and s.kind in (TEXT, BOOLEAN) and present and len(s.counts) < NEARLY_UNIQUE * present:
        top = sorted(s.counts.items(), key=lambda item: (-item[1], item[0]))[:TOP]
    return ColumnProfile(
        column=column, kind=s.kind, rows=s.rows, nulls=s.nulls, distinct=distinct, distinct_exact=exact,
        minimum=None if s.minimum is None else _text(s.minimum), maximum=None if s.maximum is None else _text(s.maximum),
        mean=s.total / present if s.kind == NUMERIC and present else None, top_values=top)


def _text(value: object) -> str:
    return value.isoformat() if hasattr(value, "isoformat") else str(value)


def finish(wh: psycopg.Connection, ctx: RunContext, table: str, profiler: Profiler, min_rows: int) -> int:
    """Record the batch's profile and judge its drift; returns the milliseconds profiling took."""
    started = time.perf_counter()
    profiles = profiler.profiles()
    record(wh, ctx, table, profiles)
    check_drift(wh, ctx, table, profiles, min_rows)
    return round(1000 * (profiler.seconds + time.perf_counter() - started))


def record(wh: psycopg.Connection, ctx: RunContext, table: str, profiles: list[ColumnProfile]) -> None:
    """The batch's profile into audit.column_profile (a retry replaces it)."""
    keys = ctx.keys() | {"table_name": table}
    wh.execute(query("kit/profile/delete_profile.sql"), keys)
    with wh.cursor() as cur:
        cur.executemany(query("kit/profile/insert_profile.sql"), [keys | {
            "column_name": p.column, "position": position, "kind": p.kind, "rows": p.rows, "nulls": p.nulls, "null_rate": p.null_rate,
            "distinct_count": p.distinct, "distinct_exact": p.distinct_exact, "distinct_share": p.distinct_share,
            "min_value": p.minimum, "max_value": p.maximum, "mean": p.mean,
            "top_values": None if p.top_values is None else json.dumps([{"value": v, "count": n}
                                                                          for v, n in p.top_values])}
            for position, p in enumerate(profiles, start=1)])


def drift_settings() -> dict[str, float]:
    changes = json.loads(os.environ.get(DRIFT_ENV) or "{}")
    unknown = set(changes) - set(DRIFT_DEFAULTS)
    if unknown:
        raise ValueError(f"{DRIFT_ENV} has unknown settings {sorted(unknown)}")
    return DRIFT_DEFAULTS | changes


@dataclass(frozen=True)
class Drift:
    column: str
    measure: str       # null_rate or distinct_share
    value: float
    median: float
    profiles: int


def drifts(current: list[ColumnProfile], history: Mapping[str, list[tuple[float, float | None]]],
           settings: Mapping[str, float]) -> list[Drift]:
    """The measures that moved by more than their allowed amount against the median of the
    column's earlier profiles (at least `min_profiles` of them)."""
    found = []
    for p in current:
        earlier = history.get(p.column, [])
        if len(earlier) < settings["min_profiles"]:
            continue
        for index, measure, value in ((0, "null_rate", p.null_rate), (1, "distinct_share", p.distinct_share)):
            known = [e[index] for e in earlier if e[index] is not None]
            if value is None or len(known) < settings["min_profiles"]:
                continue
            median = statistics.median(known)
            if abs(value - median) > settings[measure]:
                found.append(Drift(p.column, measure, value, median, len(known)))
    return found


def check_drift(wh: psycopg.Connection, ctx: RunContext, table: str, profiles: list[ColumnProfile],
                min_rows: int) -> list[Drift]:
    """Log `<table>.<column>.drift` warnings and the table's `<table>.drift` verdict. A batch
    below `min_rows` gets no verdict: its rates are too noisy to compare."""
    settings = drift_settings()
    rows = profiles[0].rows if profiles else 0
    if rows < min_rows:
        return []
    history: dict[str, list[tuple[float, float | None]]] = {}
    for column, null_rate, share in wh.execute(query("kit/profile/select_recent_profiles.sql"), ctx.keys() | {
            "table_name": table, "history": int(settings["history"]), "min_rows": min_rows}):
        history.setdefault(column, []).append((null_rate, share))
    found = drifts(profiles, history, settings)
    checks = [quality.Check(f"{table}.{d.column}.drift", "warn", f"{d.measure} {d.value:.1%}",
                            f"{d.median:.1%} ± {settings[d.measure]:.0%} (median of {d.profiles} profiles)")
              for d in found]
    compared = sum(1 for p in profiles if len(history.get(p.column, [])) >= settings["min_profiles"])
    checks.append(quality.Check(f"{table}.drift", "warn" if found else "pass",
                                f"{len(found)} of {compared} columns drifted",
                                f"null rate ± {settings['null_rate']:.0%}, distinct share "
                                f"± {settings['distinct_share']:.0%} of the median of the last "
                                f"{int(settings['history'])} profiles"))
    quality.record(wh, ctx, checks)
    for d in found:
        log.warning("%s.%s: %s %.1f%%, its median %.1f%%", table, d.column, d.measure, 100 * d.value, 100 * d.median)
    return found
