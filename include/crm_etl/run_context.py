"""What one DAG run processes: its business day and how to extract it."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from include.crm_etl.config import settings

MAX_LOOKBACK_HOURS = 720
DEFAULT_LOOKBACK_HOURS = 2


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
        params = context.get("params") or {}
        return cls(
            run_id=context["run_id"],
            dag_id=context["dag"].dag_id,
            interval_start=start,
            interval_end=end,
            full_refresh=bool(params.get("full_refresh", False)),
            lookback_hours=int(params.get("lookback_hours", DEFAULT_LOOKBACK_HOURS)),
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
