"""Unit tests for plugins/business_day_timetable.py (BusinessDayTimetable)."""

from __future__ import annotations

import datetime
import itertools

import business_day_timetable as bdt
import pendulum
import pytest
from airflow.timetables.base import DagRunInfo, DataInterval, TimeRestriction
from business_day_timetable import BusinessDayTimetable, BusinessDayTimetablePlugin

# business_day_timetable lives in plugins/, which pytest puts on sys.path via
# pyproject.toml (pythonpath = [".", "plugins"]), as Airflow does with plugins_folder.

UTC = pendulum.UTC
H = datetime.timedelta(hours=1)


def utc(s: str) -> pendulum.DateTime:
    return pendulum.parse(s).in_timezone(UTC)


def run_sequence(tt, restriction, n, last=None) -> list[DagRunInfo]:
    out = []
    info = last
    for _ in range(n):
        info = tt.next_dagrun_info_v2(last_dagrun_info=info, restriction=restriction)
        if info is None:
            break
        out.append(info)
    return out


@pytest.fixture
def freeze_now(monkeypatch):
    def _freeze(s: str):
        monkeypatch.setattr(bdt, "_utcnow", lambda: utc(s))

    return _freeze


# ---------------------------------------------------------------------------
# Scheduled runs
# ---------------------------------------------------------------------------
def test_catchup_true_sequence_utc(freeze_now):
    freeze_now("2026-10-10T12:00:00+00:00")  # irrelevant for catchup=True
    tt = BusinessDayTimetable(timezone="UTC", run_at=datetime.time(2, 0))
    restriction = TimeRestriction(
        earliest=utc("2026-10-01T00:00:00Z"), latest=None, catchup=True
    )
    infos = run_sequence(tt, restriction, 4)
    assert [(i.logical_date, i.data_interval.end, i.run_after) for i in infos] == [
        (
            utc(f"2026-10-0{d}T00:00Z"),
            utc(f"2026-10-0{d + 1}T00:00Z"),
            utc(f"2026-10-0{d + 1}T02:00Z"),
        )
        for d in range(1, 5)
    ]
    for i in infos:
        assert i.logical_date == i.data_interval.start
        assert (
            i.data_interval.start.tzinfo is not None
            and i.data_interval.start.utcoffset() == datetime.timedelta(0)
        )


def test_catchup_true_start_date_not_midnight_aligns_to_next_day():
    tt = BusinessDayTimetable()
    restriction = TimeRestriction(
        earliest=utc("2026-10-01T08:30:00Z"), latest=None, catchup=True
    )
    info = tt.next_dagrun_info_v2(last_dagrun_info=None, restriction=restriction)
    assert info.data_interval == DataInterval(
        utc("2026-10-02T00:00Z"), utc("2026-10-03T00:00Z")
    )


def test_catchup_true_without_start_date_does_not_schedule():
    tt = BusinessDayTimetable()
    restriction = TimeRestriction(earliest=None, latest=None, catchup=True)
    assert (
        tt.next_dagrun_info_v2(last_dagrun_info=None, restriction=restriction) is None
    )


def test_end_date_is_inclusive_on_logical_date():
    tt = BusinessDayTimetable()
    restriction = TimeRestriction(
        earliest=utc("2026-10-01T00:00Z"), latest=utc("2026-10-03T00:00Z"), catchup=True
    )
    infos = run_sequence(tt, restriction, 10)
    assert [i.logical_date.date() for i in infos] == [
        datetime.date(2026, 10, 1),
        datetime.date(2026, 10, 2),
        datetime.date(2026, 10, 3),
    ]


@pytest.mark.parametrize(
    ("now", "expected_day", "expected_run_after"),
    [
        # After run_at: latest complete day is yesterday, its run is due already.
        ("2026-10-06T09:00:00Z", "2026-10-05", "2026-10-06T02:00Z"),
        # Between midnight and run_at: yesterday is complete, run waits for 02:00.
        ("2026-10-06T01:00:00Z", "2026-10-05", "2026-10-06T02:00Z"),
        # Exactly at midnight: the day that just ended.
        ("2026-10-06T00:00:00Z", "2026-10-05", "2026-10-06T02:00Z"),
        ("2026-10-05T23:59:00Z", "2026-10-04", "2026-10-05T02:00Z"),
    ],
)
def test_catchup_false_first_run_is_latest_complete_day(
    freeze_now, now, expected_day, expected_run_after
):
    freeze_now(now)
    tt = BusinessDayTimetable(timezone="UTC", run_at=datetime.time(2, 0))
    restriction = TimeRestriction(
        earliest=utc("2026-01-01T00:00Z"), latest=None, catchup=False
    )
    info = tt.next_dagrun_info_v2(last_dagrun_info=None, restriction=restriction)
    day = datetime.date.fromisoformat(expected_day)
    assert info.data_interval == bdt.business_day_interval(day, UTC)
    assert info.run_after == utc(expected_run_after)


def test_catchup_false_sequence_and_skip_after_pause(freeze_now):
    tt = BusinessDayTimetable()
    restriction = TimeRestriction(
        earliest=utc("2026-01-01T00:00Z"), latest=None, catchup=False
    )
    freeze_now("2026-10-06T03:00:00Z")
    first = tt.next_dagrun_info_v2(last_dagrun_info=None, restriction=restriction)
    assert first.logical_date == utc("2026-10-05T00:00Z")
    # Next day (no gap): the following business day.
    second = tt.next_dagrun_info_v2(last_dagrun_info=first, restriction=restriction)
    assert second.logical_date == utc("2026-10-06T00:00Z")
    assert second.run_after == utc("2026-10-07T02:00Z")
    # DAG paused for a week: skip to the latest complete day, no backlog.
    freeze_now("2026-10-14T05:00:00Z")
    third = tt.next_dagrun_info_v2(last_dagrun_info=second, restriction=restriction)
    assert third.logical_date == utc("2026-10-13T00:00Z")


def test_catchup_false_future_start_date_wins(freeze_now):
    freeze_now("2026-10-06T03:00:00Z")
    tt = BusinessDayTimetable()
    restriction = TimeRestriction(
        earliest=utc("2026-12-01T00:00Z"), latest=None, catchup=False
    )
    info = tt.next_dagrun_info_v2(last_dagrun_info=None, restriction=restriction)
    assert info.logical_date == utc("2026-12-01T00:00Z")
    assert info.run_after == utc("2026-12-02T02:00Z")


def test_end_date_before_next_run_stops(freeze_now):
    freeze_now("2026-10-06T03:00:00Z")
    tt = BusinessDayTimetable()
    restriction = TimeRestriction(
        earliest=utc("2026-01-01T00:00Z"),
        latest=utc("2026-10-01T00:00Z"),
        catchup=False,
    )
    assert (
        tt.next_dagrun_info_v2(last_dagrun_info=None, restriction=restriction) is None
    )


def test_next_after_foreign_interval_never_reuses_logical_date():
    """Previous run from a different schedule (e.g. hourly) must not collide/overlap."""
    tt = BusinessDayTimetable()
    restriction = TimeRestriction(
        earliest=utc("2026-01-01T00:00Z"), latest=None, catchup=True
    )
    last = DagRunInfo.interval(utc("2026-10-05T05:00Z"), utc("2026-10-05T06:00Z"))
    info = tt.next_dagrun_info_v2(last_dagrun_info=last, restriction=restriction)
    assert info.logical_date == utc("2026-10-06T00:00Z")
    exact = DagRunInfo.exact(utc("2026-10-05T00:00Z"))
    info = tt.next_dagrun_info_v2(last_dagrun_info=exact, restriction=restriction)
    assert info.logical_date == utc("2026-10-06T00:00Z")


# ---------------------------------------------------------------------------
# Manual runs / dags test
# ---------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("run_after", "day"),
    [
        ("2026-10-06T02:00:00+00:00", "2026-10-05"),
        ("2026-10-06T00:00:00+00:00", "2026-10-05"),
        ("2026-10-05T23:59:00+00:00", "2026-10-04"),
        ("2026-10-06T23:59:59.999999+00:00", "2026-10-05"),
    ],
)
def test_infer_manual_data_interval_utc(run_after, day):
    tt = BusinessDayTimetable(timezone="UTC", run_at=datetime.time(2, 0))
    interval = tt.infer_manual_data_interval(run_after=utc(run_after))
    d = datetime.date.fromisoformat(day)
    assert interval == DataInterval(
        utc(f"{d.isoformat()}T00:00:00Z"),
        utc(f"{(d + datetime.timedelta(days=1)).isoformat()}T00:00:00Z"),
    )


def test_infer_manual_uses_business_timezone():
    tt = BusinessDayTimetable(timezone="America/New_York")
    # 2026-10-06T02:00Z is still 2026-10-05 22:00 EDT -> last complete day is 10-04 NY.
    interval = tt.infer_manual_data_interval(run_after=utc("2026-10-06T02:00:00Z"))
    assert interval == DataInterval(utc("2026-10-04T04:00Z"), utc("2026-10-05T04:00Z"))


def test_dags_test_logical_date_maps_to_previous_business_day():
    """``dags test crm_nightly 2026-10-06T02:00:00+00:00`` -> DAG.test() -> infer_manual_data_interval."""
    tt = BusinessDayTimetable(timezone="UTC", run_at=datetime.time(2, 0))
    scheduled = tt.dagrun_info_for(datetime.date(2026, 10, 5))
    manual = tt.infer_manual_data_interval(run_after=scheduled.run_after)
    # Using the scheduled run_after of day D as the manual/test date processes day D.
    assert manual == scheduled.data_interval


# ---------------------------------------------------------------------------
# DST
# ---------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("tz", "day", "hours", "start", "end"),
    [
        ("Europe/Berlin", "2026-03-29", 23, "2026-03-28T23:00Z", "2026-03-29T22:00Z"),
        ("Europe/Berlin", "2026-10-25", 25, "2026-10-24T22:00Z", "2026-10-25T23:00Z"),
        (
            "America/New_York",
            "2026-03-08",
            23,
            "2026-03-08T05:00Z",
            "2026-03-09T04:00Z",
        ),
        (
            "America/New_York",
            "2026-11-01",
            25,
            "2026-11-01T04:00Z",
            "2026-11-02T05:00Z",
        ),
        ("Europe/Berlin", "2026-07-01", 24, "2026-06-30T22:00Z", "2026-07-01T22:00Z"),
    ],
)
def test_dst_interval_lengths(tz, day, hours, start, end):
    interval = bdt.business_day_interval(
        datetime.date.fromisoformat(day), pendulum.timezone(tz)
    )
    assert interval == DataInterval(utc(start), utc(end))
    assert interval.end - interval.start == datetime.timedelta(hours=hours)


@pytest.mark.parametrize(
    ("tz", "run_at", "first_day", "expected"),
    [
        # Berlin spring forward 2026-03-29 02:00 -> 03:00 (02:00 does not exist):
        # run for 03-28 starts at 03:00 CEST (01:00Z).
        (
            "Europe/Berlin",
            datetime.time(2, 0),
            "2026-03-27",
            {
                "2026-03-27": (24, "2026-03-28T01:00Z"),
                "2026-03-28": (24, "2026-03-29T01:00Z"),
                "2026-03-29": (23, "2026-03-30T00:00Z"),
                "2026-03-30": (24, "2026-03-31T00:00Z"),
            },
        ),
        # Berlin fall back 2026-10-25 03:00 -> 02:00 (02:00 repeats): first occurrence (CEST).
        (
            "Europe/Berlin",
            datetime.time(2, 0),
            "2026-10-23",
            {
                "2026-10-23": (24, "2026-10-24T00:00Z"),
                "2026-10-24": (24, "2026-10-25T00:00Z"),
                "2026-10-25": (25, "2026-10-26T01:00Z"),
                "2026-10-26": (24, "2026-10-27T01:00Z"),
            },
        ),
        # New York spring forward 2026-03-08 02:00 -> 03:00: 02:00 does not exist -> 03:00 EDT.
        (
            "America/New_York",
            datetime.time(2, 0),
            "2026-03-06",
            {
                "2026-03-06": (24, "2026-03-07T07:00Z"),
                "2026-03-07": (24, "2026-03-08T07:00Z"),
                "2026-03-08": (23, "2026-03-09T06:00Z"),
                "2026-03-09": (24, "2026-03-10T06:00Z"),
            },
        ),
        # New York fall back 2026-11-01 02:00 -> 01:00: 01:30 repeats -> first (EDT) occurrence.
        (
            "America/New_York",
            datetime.time(1, 30),
            "2026-10-30",
            {
                "2026-10-30": (24, "2026-10-31T05:30Z"),
                "2026-10-31": (24, "2026-11-01T05:30Z"),
                "2026-11-01": (25, "2026-11-02T06:30Z"),
                "2026-11-02": (24, "2026-11-03T06:30Z"),
            },
        ),
    ],
)
def test_dst_exactly_one_run_per_day(tz, run_at, first_day, expected):
    tt = BusinessDayTimetable(timezone=tz, run_at=run_at)
    zone = pendulum.timezone(tz)
    earliest = pendulum.datetime(*map(int, first_day.split("-")), tz=tz)
    restriction = TimeRestriction(earliest=earliest, latest=None, catchup=True)
    infos = run_sequence(tt, restriction, len(expected))

    days = [i.logical_date.in_timezone(zone).date().isoformat() for i in infos]
    # one run per local calendar day, none skipped/duplicated
    assert days == list(expected)
    for info, (day, (hours, run_after)) in zip(infos, expected.items(), strict=True):
        local_start = info.data_interval.start.in_timezone(zone)
        local_end = info.data_interval.end.in_timezone(zone)
        assert (local_start.hour, local_start.minute) == (0, 0)
        assert (local_end.hour, local_end.minute) == (0, 0)
        assert local_end.date() - local_start.date() == datetime.timedelta(days=1)
        assert info.data_interval.end - info.data_interval.start == hours * H, day
        assert info.run_after == utc(run_after), day
        assert info.run_after >= info.data_interval.end
    # contiguous, non-overlapping
    for a, b in itertools.pairwise(infos):
        assert a.data_interval.end == b.data_interval.start
        assert a.run_after < b.run_after


def test_dst_run_after_strictly_increasing_over_a_year():
    for tz in ("Europe/Berlin", "America/New_York", "Australia/Sydney", "UTC"):
        for run_at in (
            datetime.time(0, 0),
            datetime.time(2, 0),
            datetime.time(2, 30),
            datetime.time(23, 59),
        ):
            tt = BusinessDayTimetable(timezone=tz, run_at=run_at)
            restriction = TimeRestriction(
                earliest=pendulum.datetime(2026, 1, 1, tz=tz), latest=None, catchup=True
            )
            infos = run_sequence(tt, restriction, 366)
            assert len({i.logical_date for i in infos}) == 366
            for a, b in itertools.pairwise(infos):
                assert a.data_interval.end == b.data_interval.start
                assert a.run_after < b.run_after
                assert b.run_after >= b.data_interval.end


def test_dst_manual_inference_on_transition_days():
    tt = BusinessDayTimetable(timezone="Europe/Berlin")
    # 2026-10-26 00:30 CET == 2026-10-25T23:30Z -> complete day is 25 Oct (25 h).
    interval = tt.infer_manual_data_interval(run_after=utc("2026-10-25T23:30:00Z"))
    assert interval == DataInterval(utc("2026-10-24T22:00Z"), utc("2026-10-25T23:00Z"))
    # 2026-03-30 00:30 CEST == 2026-03-29T22:30Z -> complete day is 29 Mar (23 h).
    interval = tt.infer_manual_data_interval(run_after=utc("2026-03-29T22:30:00Z"))
    assert interval == DataInterval(utc("2026-03-28T23:00Z"), utc("2026-03-29T22:00Z"))


# ---------------------------------------------------------------------------
# Serialization / metadata
# ---------------------------------------------------------------------------
@pytest.mark.parametrize(
    "tt",
    [
        BusinessDayTimetable(),
        BusinessDayTimetable(timezone="UTC", run_at=datetime.time(2, 0)),
        BusinessDayTimetable(timezone="Europe/Berlin", run_at=datetime.time(1, 30)),
        BusinessDayTimetable(
            timezone=pendulum.timezone("America/New_York"),
            run_at=datetime.time(6, 15, 30),
        ),
        BusinessDayTimetable(timezone=pendulum.timezone(3600)),
    ],
)
def test_serialize_round_trip(tt):
    import json

    data = json.loads(json.dumps(tt.serialize()))
    restored = BusinessDayTimetable.deserialize(data)
    assert restored == tt
    assert restored.serialize() == tt.serialize()
    assert restored.summary == tt.summary
    assert restored.description == tt.description
    day = datetime.date(2026, 3, 29)
    assert restored.dagrun_info_for(day) == tt.dagrun_info_for(day)


def test_serialize_format_and_metadata():
    tt = BusinessDayTimetable(timezone="UTC", run_at=datetime.time(2, 0))
    assert tt.serialize() == {"timezone": "UTC", "run_at": "02:00:00"}
    assert tt.summary == "business day UTC @ 02:00"
    assert "UTC" in tt.description and "02:00" in tt.description
    assert tt.periodic and tt.can_be_scheduled
    assert tt.type_name == "business_day_timetable.BusinessDayTimetable"
    tt.validate()


def test_invalid_arguments():
    with pytest.raises(ValueError, match="naive"):
        BusinessDayTimetable(run_at=datetime.time(2, 0, tzinfo=datetime.UTC))
    with pytest.raises(TypeError):
        BusinessDayTimetable(run_at="02:00")  # type: ignore[arg-type]
    with pytest.raises(Exception):  # noqa: B017 - pendulum raises its own error type
        BusinessDayTimetable(timezone="Not/AZone")


def test_plugin_registers_timetable():
    assert BusinessDayTimetablePlugin.timetables == [BusinessDayTimetable]
    assert BusinessDayTimetablePlugin.name


def test_dag_serialization_round_trip(monkeypatch):
    """Full DAG (de)serialization as done by the dag-processor / scheduler."""
    from airflow import plugins_manager
    from airflow.sdk import DAG
    from airflow.serialization.serialized_objects import DagSerialization

    monkeypatch.setattr(
        plugins_manager,
        "get_timetables_plugins",
        lambda: {"business_day_timetable.BusinessDayTimetable": BusinessDayTimetable},
    )
    tt = BusinessDayTimetable(timezone="Europe/Berlin", run_at=datetime.time(2, 0))
    dag = DAG(
        "bdt_roundtrip",
        schedule=tt,
        start_date=pendulum.datetime(2026, 1, 1, tz="Europe/Berlin"),
        catchup=False,
    )
    serialized = DagSerialization.to_dict(dag)
    assert serialized["dag"]["timetable"] == {
        "__type": "business_day_timetable.BusinessDayTimetable",
        "__var": {"timezone": "Europe/Berlin", "run_at": "02:00:00"},
    }
    restored = DagSerialization.from_dict(serialized)
    assert isinstance(restored.timetable, BusinessDayTimetable)
    assert restored.timetable == tt
    assert restored.timetable.summary == tt.summary
    assert restored.timetable.description == tt.description


def test_backfill_window_via_iter_dagrun_infos_between(monkeypatch):
    """What ``airflow backfill create --from-date 2026-10-01 --to-date 2026-10-03`` computes."""
    from airflow import plugins_manager
    from airflow.sdk import DAG
    from airflow.serialization.serialized_objects import DagSerialization

    monkeypatch.setattr(
        plugins_manager,
        "get_timetables_plugins",
        lambda: {"business_day_timetable.BusinessDayTimetable": BusinessDayTimetable},
    )
    for tz, expected in (
        ("UTC", ["2026-10-01", "2026-10-02", "2026-10-03"]),
        ("Europe/Berlin", ["2026-10-02", "2026-10-03"]),
    ):
        dag = DAG(
            f"bdt_backfill_{tz.replace('/', '_')}",
            schedule=BusinessDayTimetable(timezone=tz, run_at=datetime.time(2, 0)),
            start_date=pendulum.datetime(2026, 1, 1, tz=tz),
            catchup=False,
        )
        sdag = DagSerialization.from_dict(DagSerialization.to_dict(dag))
        # CLI parses the dates with [core] default_timezone (UTC).
        infos = list(
            sdag.iter_dagrun_infos_between(
                utc("2026-10-01T00:00Z"), utc("2026-10-03T00:00Z")
            )
        )
        zone = pendulum.timezone(tz)
        assert [
            i.logical_date.in_timezone(zone).date().isoformat() for i in infos
        ] == expected, tz
