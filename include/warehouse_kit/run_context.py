"""What one DAG run processes: its business day, its Params, and how to extract it.

Each DAG declares its Params once (a tuple of `ParamSpec`): the same specs build the trigger
form's Params and check the values again inside the task, since the CLI and the REST API can
bypass the form. `full_refresh` and `lookback_hours` drive the kit's watermark extract; a DAG's
other Params are in `RunContext.params`.
"""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from include.warehouse_kit.errors import ParamError
from include.warehouse_kit.settings import settings

MAX_LOOKBACK_HOURS = 720
DEFAULT_LOOKBACK_HOURS = 2


@dataclass(frozen=True)
class ParamSpec:
    """A Param: a boolean, a bounded whole number, or (`is_date`) an optional ISO date, whose
    value in the task is a `datetime.date` or None."""

    name: str
    default: bool | int | None
    description: str
    minimum: int | None = None
    maximum: int | None = None
    is_date: bool = False

    @property
    def kind(self) -> type:
        return dt.date if self.is_date else type(self.default)

    def check(self, value: Any) -> Any:
        if self.is_date:
            return self._check_date(value)
        if self.kind is bool:
            if not isinstance(value, bool):
                raise ParamError(f"param {self.name} must be true or false, got {value!r}")
            return value
        if isinstance(value, bool) or not isinstance(value, int) or not (
                (self.minimum is None or value >= self.minimum) and (self.maximum is None or value <= self.maximum)):
            raise ParamError(f"param {self.name} must be a whole number within {self.minimum}..{self.maximum}, "
                             f"got {value!r}")
        return value

    def _check_date(self, value: Any) -> dt.date | None:
        if value is None or value == "":
            return None
        if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
            return value
        if isinstance(value, str) and len(value) == 10:
            with contextlib.suppress(ValueError):
                return dt.date.fromisoformat(value)
        raise ParamError(f"param {self.name} must be a date YYYY-MM-DD or empty, got {value!r}")

    def airflow_param(self):
        from airflow.sdk import Param

        if self.is_date:
            return Param(self.default, type=["null", "string"], format="date", description=self.description)
        if self.kind is bool:
            return Param(self.default, type="boolean", description=self.description)
        bounds = {k: v for k, v in (("minimum", self.minimum), ("maximum", self.maximum)) if v is not None}
        return Param(self.default, type="integer", description=self.description, **bounds)


WATERMARK_PARAMS = (
    ParamSpec("full_refresh", False, "Extract every row before the interval end, ignoring watermarks."),
    ParamSpec("lookback_hours", DEFAULT_LOOKBACK_HOURS, "Hours to re-read before the watermark (late commits).",
              minimum=0, maximum=MAX_LOOKBACK_HOURS),
)


def airflow_params(specs: tuple[ParamSpec, ...]) -> dict:
    """The DAG's `params=`, built from its specs."""
    return {spec.name: spec.airflow_param() for spec in specs}


def check_params(params: Mapping[str, Any], specs: tuple[ParamSpec, ...] = WATERMARK_PARAMS,
                 dag_id: str = "this DAG") -> dict[str, Any]:
    """The run's Params, checked against the DAG's specs, defaults filled in."""
    known = {spec.name: spec for spec in specs}
    unknown = sorted(set(params) - set(known))
    if unknown:
        raise ParamError(f"unknown params {unknown}; {dag_id} takes {', '.join(known)}")
    return {name: spec.check(params.get(name, spec.default)) for name, spec in known.items()}


@dataclass(frozen=True)
class RunContext:
    run_id: str
    dag_id: str
    interval_start: dt.datetime
    interval_end: dt.datetime
    full_refresh: bool = False
    lookback_hours: int = DEFAULT_LOOKBACK_HOURS
    params: Mapping[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.interval_start.tzinfo is None or self.interval_end.tzinfo is None:
            raise ValueError("interval bounds must be timezone-aware")
        if not self.interval_start < self.interval_end:
            raise ValueError(f"empty data interval [{self.interval_start}, {self.interval_end})")
        if not 0 <= self.lookback_hours <= MAX_LOOKBACK_HOURS:
            raise ValueError(f"lookback_hours must be within 0..{MAX_LOOKBACK_HOURS}")

    @property
    def business_date(self) -> dt.date:
        return self.interval_start.astimezone(settings().business_tz).date()

    @property
    def lookback(self) -> dt.timedelta:
        return dt.timedelta(hours=self.lookback_hours)

    @classmethod
    def from_airflow(cls, context: Mapping[str, Any],
                     specs: tuple[ParamSpec, ...] = WATERMARK_PARAMS) -> RunContext:
        dag_id = context["dag"].dag_id
        start, end = context.get("data_interval_start"), context.get("data_interval_end")
        if start is None or end is None:
            raise ValueError(
                "This run has no data interval (a manual run without a logical date?). "
                f"Trigger it with a logical date, e.g. `airflow dags test {dag_id} 2026-10-06T02:00:00+00:00`."
            )
        params = check_params(context.get("params") or {}, specs, dag_id)
        full_refresh, lookback_hours = params.pop("full_refresh", False), params.pop(
            "lookback_hours", DEFAULT_LOOKBACK_HOURS)
        return cls(run_id=context["run_id"], dag_id=dag_id, interval_start=start, interval_end=end,
                   full_refresh=full_refresh, lookback_hours=lookback_hours, params=params)

    @classmethod
    def for_business_day(cls, *, dag_id: str, run_id: str, day: dt.date,
                         params: Mapping[str, Any] | None = None) -> RunContext:
        """The context of a run keyed on a business day rather than on a data interval (an
        asset-triggered or manual run): the interval is the day, [D 00:00, D+1 00:00) in
        ETL_BUSINESS_TZ."""
        tz = settings().business_tz
        start = dt.datetime.combine(day, dt.time(0), tz)
        end = dt.datetime.combine(day + dt.timedelta(days=1), dt.time(0), tz)
        return cls(run_id=run_id, dag_id=dag_id, interval_start=start.astimezone(dt.UTC),
                   interval_end=end.astimezone(dt.UTC), params=dict(params or {}))

    def keys(self) -> dict[str, str]:
        """The run's key in every audit table."""
        return {"dag_id": self.dag_id, "run_id": self.run_id}

    def as_params(self) -> dict[str, Any]:
        return {
            **self.keys(),
            "interval_start": self.interval_start,
            "interval_end": self.interval_end,
            "business_date": self.business_date,
            "full_refresh": self.full_refresh,
        }
