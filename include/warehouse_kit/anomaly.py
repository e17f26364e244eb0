"""Anomaly verdicts on a nightly series: the z-score rule that Elementary uses.

- The training set is the series' previous `training` nights, without the night judged. With
  `weekday_seasonality`, it is the same weekday over the previous `training` weeks.
- With fewer points than the training length there is no verdict: `insufficient_history`.
- z = (x - mean) / stddev, with the sample standard deviation of the training set. |z| above
  `sensitivity` is a `warn`, in the series' `direction` (a spike, a drop, or both). If stddev is
  0, only the training value itself passes.

A night missing from the history is not a point; a night with the value 0 is one.

A pipeline declares its `Monitor`s, each a `Series` and the SQL file that reads its nightly
values, and its check step calls `check`: every verdict goes to audit.data_quality_log as
`anomaly.<series>` (pass, warn or insufficient_history, with the expected range), and a warn
reaches the morning Slack quality warning. ETL_ANOMALY_SERIES overrides a series' settings
(JSON: {"<series>": {"direction": "drop", "sensitivity": 2.5, "training": 21,
"weekday_seasonality": true}}).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import logging
import math
import os
import statistics
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import psycopg

from include.warehouse_kit import quality
from include.warehouse_kit.run_context import RunContext
from include.warehouse_kit.settings import settings
from include.warehouse_kit.sql_files import query

log = logging.getLogger(__name__)

DIRECTIONS = ("both", "spike", "drop")
DEFAULT_TRAINING = 14
DEFAULT_SEASONAL_WEEKS = 8
DEFAULT_SENSITIVITY = 3.0


@dataclass(frozen=True)
class Series:
    """A monitored series: its name in audit.data_quality_log and how it is judged."""

    name: str
    direction: str = "both"
    sensitivity: float = DEFAULT_SENSITIVITY
    training: int | None = None       # nights (weeks with weekday_seasonality); None: the default
    weekday_seasonality: bool = False

    def __post_init__(self) -> None:
        if self.direction not in DIRECTIONS:
            raise ValueError(f"series {self.name}: direction must be one of {DIRECTIONS}, got {self.direction!r}")
        if not (self.sensitivity > 0 and math.isfinite(self.sensitivity)):
            raise ValueError(f"series {self.name}: sensitivity must be a positive number, got {self.sensitivity!r}")
        if self.training is not None and self.training < 2:
            raise ValueError(f"series {self.name}: training needs at least 2 points, got {self.training}")

    @property
    def training_points(self) -> int:
        if self.training is not None:
            return self.training
        return DEFAULT_SEASONAL_WEEKS if self.weekday_seasonality else DEFAULT_TRAINING


@dataclass(frozen=True)
class Verdict:
    series: str
    day: dt.date
    value: float
    status: str                      # pass, warn or insufficient_history
    points: int                      # training points found
    mean: float | None = None
    stddev: float | None = None
    z: float | None = None
    low: float | None = None         # the expected range: a value within it passes
    high: float | None = None

    @property
    def expected(self) -> str:
        if self.status == "insufficient_history":
            return f"insufficient_history: {self.points} training points"
        low = "-inf" if self.low is None else f"{self.low:.4g}"
        high = "+inf" if self.high is None else f"{self.high:.4g}"
        return f"[{low}, {high}] (mean {self.mean:.4g}, stddev {self.stddev:.4g}, {self.points} points)"


def training_days(series: Series, day: dt.date) -> list[dt.date]:
    """The nights the training set of `day` is drawn from, newest first."""
    step = 7 if series.weekday_seasonality else 1
    return [day - dt.timedelta(days=step * n) for n in range(1, series.training_points + 1)]


def judge(series: Series, day: dt.date, value: float, history: Mapping[dt.date, float]) -> Verdict:
    """The verdict on the series' `value` for `day`, trained on `history` (other nights' values;
    `day` itself, if there, is left out)."""
    points = [float(history[d]) for d in training_days(series, day) if d in history and history[d] is not None]
    value = float(value)
    if len(points) < series.training_points:
        return Verdict(series.name, day, value, "insufficient_history", len(points))
    mean, stddev = statistics.fmean(points), statistics.stdev(points)
    if stddev == 0:
        ok = value == mean or (series.direction == "spike" and value < mean) or (
            series.direction == "drop" and value > mean)
        return Verdict(series.name, day, value, "pass" if ok else "warn", len(points), mean, 0.0,
                       None if value == mean else math.copysign(math.inf, value - mean),
                       None if series.direction == "spike" else mean, None if series.direction == "drop" else mean)
    z = (value - mean) / stddev
    out = (z > series.sensitivity and series.direction != "drop") or (
        z < -series.sensitivity and series.direction != "spike")
    margin = series.sensitivity * stddev
    return Verdict(series.name, day, value, "warn" if out else "pass", len(points), mean, stddev, z,
                   None if series.direction == "spike" else mean - margin,
                   None if series.direction == "drop" else mean + margin)


OVERRIDES_ENV = "ETL_ANOMALY_SERIES"
VOLUME_SQL = "kit/anomaly/select_table_volume.sql"


@dataclass(frozen=True)
class Monitor:
    """A series and where its nightly values come from: a SQL file that returns (day, value)
    rows for the days in [%(first_day)s, %(last_day)s] (params also dag_id, run_id, tz and
    `params`). A day without a row has no value; return 0 for a day that had none."""

    series: Series
    sql_file: str
    params: tuple[tuple[str, object], ...] = ()


def volume_monitor(table: str, **options) -> Monitor:
    """The rows a table's extract took in each night's interval, from the run log."""
    return Monitor(Series(f"{table}.volume", **options), VOLUME_SQL, (("table", table),))


def overridden(series: Series, overrides: Mapping[str, Mapping] | None = None) -> Series:
    """`series` with its settings from ETL_ANOMALY_SERIES, if it names it."""
    if overrides is None:
        overrides = json.loads(os.environ.get(OVERRIDES_ENV) or "{}")
    changes = overrides.get(series.name) or {}
    unknown = set(changes) - {"direction", "sensitivity", "training", "weekday_seasonality"}
    if unknown:
        raise ValueError(f"{OVERRIDES_ENV}: {series.name} has unknown settings {sorted(unknown)}")
    return dataclasses.replace(series, **changes)


def check(wh: psycopg.Connection, ctx: RunContext, monitors: Sequence[Monitor]) -> list[Verdict]:
    """Judge each monitored series on the run's business day and log the verdicts."""
    day, verdicts = ctx.business_date, []
    for monitor in monitors:
        series = overridden(monitor.series)
        step = 7 if series.weekday_seasonality else 1
        rows = wh.execute(query(monitor.sql_file), ctx.keys() | dict(monitor.params) | {
            "first_day": day - dt.timedelta(days=step * series.training_points), "last_day": day,
            "tz": settings().business_tz.key}).fetchall()
        values = {d: float(v) for d, v in rows if v is not None}
        if day not in values:
            log.info("%s has no value for %s: no verdict", series.name, day)
            continue
        verdicts.append(judge(series, day, values[day], values))
    with wh.transaction():
        quality.record(wh, ctx, [quality.Check(f"anomaly.{v.series}", v.status, f"{v.value:g}", v.expected)
                                 for v in verdicts])
    for v in verdicts:
        if v.status == "warn":
            log.warning("anomaly.%s: %g on %s, expected %s", v.series, v.value, v.day, v.expected)
    return verdicts
