"""
Business-day timetable for ``crm_nightly`` (Airflow 3.3.2).

A *business day* here is a **calendar day in the business timezone** (every day,
weekends included). Business day ``D`` owns the data interval
``[D 00:00, D+1 00:00)`` in the business timezone (stored as UTC-aware
datetimes) -- 23 h on a spring-forward day, 25 h on a fall-back day -- and its
scheduled run becomes runnable (``run_after``) at ``D+1 <run_at>`` in the same
timezone. DST-safe: a ``run_at`` that does not exist on D+1 (e.g. 02:00 in
Europe/Berlin on 2026-03-29) resolves to the first instant after the gap
(03:00 CEST); a ``run_at`` that occurs twice resolves to its first occurrence.
There is always exactly one run per business day.

Usage in a DAG file (``plugins/`` is on ``sys.path``)::

    from business_day_timetable import BusinessDayTimetable

    DAG(..., schedule=BusinessDayTimetable(timezone="UTC", run_at=datetime.time(2, 0)), catchup=False)

The class must be registered by a plugin (``BusinessDayTimetablePlugin`` below),
otherwise DAG serialization fails with ``TimetableNotRegistered``. Airflow loads
this file as module ``business_day_timetable`` (plugins folder file stem), so
the serialized ``__type`` is ``business_day_timetable.BusinessDayTimetable``.

How Airflow 3.3.2 maps runs to business days with this timetable
-----------------------------------------------------------------

* **Scheduled runs** (scheduler / dag-processor, ``DagModel.calculate_dagrun_date_fields``
  -> ``SerializedDAG.next_dagrun_info`` -> ``next_dagrun_info``):
  ``logical_date = D 00:00 tz`` (= data interval start), ``run_after = D+1 run_at tz``.
  ``catchup=False``: the first run (and the run after a long pause) is the
  latest *complete* business day, i.e. ``(now in tz).date() - 1``; if ``now``
  lies between midnight and ``run_at`` that run simply waits until ``run_at``.
  ``catchup=True``: starts at the first business day whose start is
  ``>= start_date``. ``end_date``: no run whose logical date is after it.

* **``airflow dags test crm_nightly 2026-10-06T02:00:00+00:00``**: the CLI
  (``airflow/cli/commands/dag_command.py:823,840``) calls ``DAG.test(logical_date=...)``,
  which computes ``timetable.infer_manual_data_interval(run_after=logical_date)``
  (``airflow/sdk/definitions/dag.py:1301``) and creates a MANUAL run with
  ``logical_date=2026-10-06T02:00Z`` and that data interval. So the date given on
  the command line is treated as the *trigger time*, not as an interval start:
  the command processes business day **2026-10-05** ``[2026-10-05 00:00, 2026-10-06 00:00)``.
  Pass the run time (any instant on D+1), *not* D itself: ``dags test crm_nightly 2026-10-05``
  processes 2026-10-04.

* **Manual triggers**: always ``infer_manual_data_interval`` -> the last complete
  business day before the given instant, ``D = (T in tz).date() - 1``.
  REST API / UI (``airflow/api_fastapi/core_api/datamodels/dag_run.py:258``) uses
  ``T = logical_date`` (unless data_interval_start/end are given explicitly).
  ``airflow dags trigger`` / ``TriggerDagRunOperator`` go through
  ``airflow/api/common/trigger_dag.py:102`` which uses ``T = run_after``
  (= now by default, ``trigger_dag.py:85,189``), i.e. the -l/--logical-date does not
  select the business day there; with no logical date the run has no data interval
  (``trigger_dag.py:104-105``).

* **``airflow backfill create --dag-id crm_nightly --from-date 2026-10-01 --to-date 2026-10-03``**:
  ``_create_backfill`` -> ``_get_info_list`` (``airflow/models/backfill.py:555-567``) ->
  ``SerializedDAG.iter_dagrun_infos_between`` (``airflow/serialization/definitions/dag.py:467-529``),
  which repeatedly calls ``next_dagrun_info`` with
  ``TimeRestriction(earliest=from_date, latest=to_date, catchup=True)`` (DAG start_date
  is *not* applied), keeping only runs whose data interval end is ``< now``.
  Both dates are parsed in ``[core] default_timezone`` (UTC by default, CLI arg
  type ``airflow._shared.timezones.timezone.parse``). Both bounds are inclusive on
  the **logical date** (interval start): with business tz UTC this creates exactly
  three runs, business days **2026-10-01, 2026-10-02, 2026-10-03**
  (logical dates 2026-10-0{1,2,3}T00:00Z, run_after 2026-10-0{2,3,4}T02:00Z).
  For a non-UTC business tz the UTC-midnight bounds are aligned forward to the next
  local midnight (e.g. Europe/Berlin: 2026-10-02 and 2026-10-03 only; pass
  ``--from-date 2026-10-01T00:00:00+02:00`` to include 2026-10-01).
"""

from __future__ import annotations

import datetime
from typing import TYPE_CHECKING, Any, ClassVar

import pendulum
from airflow.exceptions import AirflowTimetableInvalid
from airflow.plugins_manager import AirflowPlugin
from airflow.timetables.base import DagRunInfo, DataInterval, Timetable

if TYPE_CHECKING:
    from airflow.timetables.base import TimeRestriction
    from pendulum import DateTime
    from pendulum.tz.timezone import FixedTimezone, Timezone

    TimezoneLike = str | int | Timezone | FixedTimezone

_ONE_DAY = datetime.timedelta(days=1)
_DEFAULT_RUN_AT = datetime.time(2, 0)


# --------------------------------------------------------------------------
# Pure date arithmetic (no Airflow state involved)
# --------------------------------------------------------------------------
def resolve_timezone(tz: TimezoneLike) -> Timezone | FixedTimezone:
    """Return a pendulum timezone for an IANA name, UTC offset in seconds, or tz object."""
    if isinstance(tz, (str, int)):
        return pendulum.timezone(tz)
    if isinstance(tz, (pendulum.Timezone, pendulum.FixedTimezone)):
        return tz
    raise TypeError(f"timezone must be an IANA name or a pendulum timezone, not {tz!r}")


def encode_timezone(tz: Timezone | FixedTimezone) -> str | int:
    """JSON-friendly timezone (same convention as Airflow's own timetable serialization)."""
    if isinstance(tz, pendulum.FixedTimezone):
        return "UTC" if tz.offset == 0 else tz.offset
    return tz.name


def _to_utc(dt: datetime.datetime) -> DateTime:
    return pendulum.instance(dt.astimezone(datetime.UTC)).in_timezone(pendulum.UTC)


def local_wall_time_to_utc(
    day: datetime.date, at: datetime.time, tz: datetime.tzinfo
) -> DateTime:
    """
    Convert wall-clock ``day at`` in ``tz`` to a UTC instant.

    Non-existent wall times (DST gap) resolve to the instant after the gap
    (PEP 495 ``fold=0`` semantics, e.g. 02:00 -> 03:00 CEST); repeated wall
    times resolve to their first occurrence.
    """
    return _to_utc(
        datetime.datetime.combine(day, at.replace(tzinfo=None, fold=0), tzinfo=tz)
    )


def business_day_of(t: datetime.datetime, tz: datetime.tzinfo) -> datetime.date:
    """Return the business day (local calendar date in ``tz``) that contains instant ``t``."""
    if t.tzinfo is None:
        raise ValueError(f"naive datetime not allowed: {t!r}")
    return t.astimezone(tz).date()


def business_day_interval(day: datetime.date, tz: datetime.tzinfo) -> DataInterval:
    """Return ``[day 00:00, day+1 00:00)`` in ``tz`` as UTC datetimes (23/24/25 hours long)."""
    return DataInterval(
        start=local_wall_time_to_utc(day, datetime.time.min, tz),
        end=local_wall_time_to_utc(day + _ONE_DAY, datetime.time.min, tz),
    )


def last_complete_business_day(
    t: datetime.datetime, tz: datetime.tzinfo
) -> datetime.date:
    """Return the latest business day whose interval has ended at ``t``: ``(t in tz).date() - 1``."""
    return business_day_of(t, tz) - _ONE_DAY


def first_business_day_starting_at_or_after(
    t: datetime.datetime, tz: datetime.tzinfo
) -> datetime.date:
    """Return the first business day whose interval start is ``>= t``."""
    day = business_day_of(t, tz)
    if business_day_interval(day, tz).start < t:
        day += _ONE_DAY
    return day


def _utcnow() -> datetime.datetime:
    """Indirection so tests can freeze 'now'."""
    return datetime.datetime.now(datetime.UTC)


# --------------------------------------------------------------------------
# Timetable
# --------------------------------------------------------------------------
class BusinessDayTimetable(Timetable):
    """
    One run per business (calendar) day D in ``timezone``.

    Data interval ``[D 00:00, D+1 00:00)`` local, logical date = interval start,
    scheduled ``run_after`` = ``D+1 run_at`` local. See the module docstring.

    :param timezone: IANA timezone name (or pendulum timezone) of the business calendar.
    :param run_at: naive local wall-clock time on D+1 at which the run for D starts.
    """

    def __init__(
        self,
        timezone: TimezoneLike = "UTC",
        run_at: datetime.time = _DEFAULT_RUN_AT,
    ) -> None:
        self._timezone = resolve_timezone(timezone)
        if not isinstance(run_at, datetime.time):
            raise TypeError(f"run_at must be a datetime.time, not {run_at!r}")
        if run_at.tzinfo is not None:
            raise ValueError(
                "run_at must be a naive time; it is interpreted in the business timezone"
            )
        self._run_at = run_at.replace(fold=0)
        tz_name = encode_timezone(self._timezone)
        self.description = (
            f"Once per business day in {tz_name} (data interval 00:00-24:00 local), "
            f"run at {self._run_at.isoformat(timespec='minutes')} {tz_name} on the following day"
        )

    # -- accessors / dunder -------------------------------------------------
    @property
    def timezone(self) -> Timezone | FixedTimezone:
        return self._timezone

    @property
    def run_at(self) -> datetime.time:
        return self._run_at

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, BusinessDayTimetable):
            return NotImplemented
        return (encode_timezone(self._timezone), self._run_at) == (
            encode_timezone(other._timezone),
            other._run_at,
        )

    def __hash__(self) -> int:
        return hash((encode_timezone(self._timezone), self._run_at))

    def __repr__(self) -> str:
        return f"BusinessDayTimetable(timezone={encode_timezone(self._timezone)!r}, run_at={self._run_at!r})"

    # -- Timetable protocol ---------------------------------------------------
    @property
    def summary(self) -> str:
        return f"business day {encode_timezone(self._timezone)} @ {self._run_at.isoformat(timespec='minutes')}"

    def serialize(self) -> dict[str, Any]:
        return {
            "timezone": encode_timezone(self._timezone),
            "run_at": self._run_at.isoformat(),
        }

    @classmethod
    def deserialize(cls, data: dict[str, Any]) -> Timetable:
        return cls(
            timezone=data.get("timezone", "UTC"),
            run_at=datetime.time.fromisoformat(
                data.get("run_at", _DEFAULT_RUN_AT.isoformat())
            ),
        )

    def validate(self) -> None:
        if self._run_at.tzinfo is not None:
            raise AirflowTimetableInvalid("run_at must be a naive datetime.time")

    def business_day_interval(self, day: datetime.date) -> DataInterval:
        return business_day_interval(day, self._timezone)

    def run_after_for(self, day: datetime.date) -> DateTime:
        """Scheduled start of business day ``day``: ``day+1 run_at`` in the business timezone."""
        return local_wall_time_to_utc(day + _ONE_DAY, self._run_at, self._timezone)

    def dagrun_info_for(self, day: datetime.date) -> DagRunInfo:
        return DagRunInfo(
            run_after=self.run_after_for(day),
            data_interval=self.business_day_interval(day),
        )

    def infer_manual_data_interval(self, *, run_after: DateTime) -> DataInterval:
        # Last complete business day before run_after: 2026-10-06T02:00Z (and
        # 2026-10-06T00:00Z) -> 2026-10-05; 2026-10-05T23:59Z -> 2026-10-04 (UTC).
        return self.business_day_interval(
            last_complete_business_day(run_after, self._timezone)
        )

    def next_dagrun_info(
        self,
        *,
        last_automated_data_interval: DataInterval | None,
        restriction: TimeRestriction,
    ) -> DagRunInfo | None:
        tz = self._timezone
        candidates: list[datetime.date] = []
        if last_automated_data_interval is not None:
            # The day after the last automated run; also robust to intervals that
            # were produced by a previous, different schedule (never overlaps
            # the previous interval, never reuses its logical date).
            last = last_automated_data_interval
            candidates.append(
                max(
                    first_business_day_starting_at_or_after(last.end, tz),
                    business_day_of(last.start, tz) + _ONE_DAY,
                )
            )
        if restriction.earliest is not None:
            candidates.append(
                first_business_day_starting_at_or_after(restriction.earliest, tz)
            )
        if not restriction.catchup:
            # catchup=False: never older than the latest complete business day.
            candidates.append(last_complete_business_day(_utcnow(), tz))
        elif last_automated_data_interval is None and restriction.earliest is None:
            return None  # catchup=True without start_date: nothing to anchor on.
        if not candidates:
            return None
        info = self.dagrun_info_for(max(candidates))
        if restriction.latest is not None and info.logical_date > restriction.latest:
            return None
        return info


class BusinessDayTimetablePlugin(AirflowPlugin):
    """Register :class:`BusinessDayTimetable` so serialized DAGs can be deserialized."""

    name = "business_day_timetable_plugin"
    timetables: ClassVar[list[type[Timetable]]] = [BusinessDayTimetable]
