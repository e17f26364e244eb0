"""What one DAG run processes: its business day and how to extract it."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from include.warehouse_kit.settings import settings

MAX_LOOKBACK_HOURS = 720
DEFAULT_LOOKBACK_HOURS = 2


KNOWN_PARAMS = ("full_refresh", "lookback_hours")


def check_params(params: Mapping[str, Any]) -> tuple[bool, int]:
    """The run's Params, checked again inside the task (the trigger form's JSON schema is the
    first check; the CLI and the REST API can bypass it). Returns (full_refresh, lookback_hours)."""
    unknown = sorted(set(params) - set(KNOWN_PARAMS))
    if unknown:
        raise ValueError(f"unknown params {unknown}; crm_nightly takes {', '.join(KNOWN_PARAMS)}")
    full_refresh = params.get("full_refresh", False)
    if not isinstance(full_refresh, bool):
        raise ValueError(f"param full_refresh must be true or false, got {full_refresh!r}")
    lookback = params.get("lookback_hours", DEFAULT_LOOKBACK_HOURS)
    if isinstance(lookback, bool) or not isinstance(lookback, int) or not 0 <= lookback <= MAX_LOOKBACK_HOURS:
        raise ValueError(f"param lookback_hours must be a whole number within 0..{MAX_LOOKBACK_HOURS}, "
                         f"got {lookback!r}")
    return full_refresh, lookback


@dataclass(frozen=True)
class RunContext:
    run_id: str
    dag_id: str
    interval_start: dt.datetime
    interval_end: dt.datetime
    full_refresh: bool = False
    lookback_hours: int = DEFAULT_LOOKBACK_HOURS

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
    def from_airflow(cls, context: Mapping[str, Any]) -> RunContext:
        start, end = context.get("data_interval_start"), context.get("data_interval_end")
        if start is None or end is None:
            raise ValueError(
                "This run has no data interval (a manual run without a logical date?). "
                "Trigger it with a logical date, e.g. `airflow dags test crm_nightly 2026-10-06T02:00:00+00:00`."
            )
        full_refresh, lookback_hours = check_params(context.get("params") or {})
        return cls(
            run_id=context["run_id"],
            dag_id=context["dag"].dag_id,
            interval_start=start,
            interval_end=end,
            full_refresh=full_refresh,
            lookback_hours=lookback_hours,
        )

    def as_params(self) -> dict[str, Any]:
        return {
            "run_id": self.run_id,
            "dag_id": self.dag_id,
            "interval_start": self.interval_start,
            "interval_end": self.interval_end,
            "business_date": self.business_date,
            "full_refresh": self.full_refresh,
        }
